"""People, passwords, sign-in, tokens and roles.

The pure rules of this capability; nothing is re-exported here."""
