"""Reviewing: reviewer profiles, assignment, calibration, scoring, outcomes, queues, agreement.

The pure rules of this capability; nothing is re-exported here."""
