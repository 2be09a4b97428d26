"""The test suite, split by layer: core, services, handlers, e2e; helpers in support.py."""
