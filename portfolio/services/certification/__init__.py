"""Certification: the evaluation rule, decisions and overrides, certificates.

The use cases of this capability; nothing is re-exported here."""
