"""Frameworks, competency sets, rubrics and program rules as data; drafts and publishing.

The pure rules of this capability; nothing is re-exported here."""
