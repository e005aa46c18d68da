"""Reporting: cohorts and other views across many candidates.

The pure rules of this capability; nothing is re-exported here."""
