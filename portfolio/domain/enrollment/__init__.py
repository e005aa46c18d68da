"""Enrollment: electives, routes, the completion window, progress and next steps.

The pure rules of this capability; nothing is re-exported here."""
