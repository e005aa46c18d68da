"""Reviewing: reviewer profiles, assignment, calibration, scoring, outcomes, queues, agreement.

The use cases of this capability; nothing is re-exported here."""
