"""Courses: approved courses and the office's check of a candidate's completion.

The use cases of this capability; nothing is re-exported here."""
