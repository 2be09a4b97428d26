"""Pure tests: rules, meetings, parsing, invitations and e-mail, with no database."""
