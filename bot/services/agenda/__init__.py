"""Agendering: items on ITAT-R and Regieoverleg agendas, publishing with invitations, decisions."""
