"""Block Kit: primitives and escaping, command replies, modals, and outgoing messages."""
