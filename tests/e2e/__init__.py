"""End-to-end tests: the command line, HTTP mode and real bot processes."""
