"""Enrollment: electives, routes, the completion window, progress and next steps.

The use cases of this capability; nothing is re-exported here."""
