"""Regiebot: a Slack bot for the case directors of the IPGA Radicalisering (Amsterdam)."""
