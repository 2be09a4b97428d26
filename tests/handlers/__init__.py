"""Handler tests: signed Slack requests through the real bolt app into the Slack stand-in."""
