"""Use cases: each takes a session and `now`, and raises BotError subclasses for users."""
