"""Frameworks, competency sets, rubrics and program rules as data; drafts and publishing.

The use cases of this capability; nothing is re-exported here."""
