"""Certification: the evaluation rule, decisions and overrides, certificates.

The pure rules of this capability; nothing is re-exported here."""
