"""People, passwords, sign-in, tokens and roles.

The use cases of this capability; nothing is re-exported here."""
