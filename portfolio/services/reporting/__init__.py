"""Reporting: cohorts and other views across many candidates.

The use cases of this capability; nothing is re-exported here."""
