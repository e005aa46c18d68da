"""Portfolios: entries, narratives, artifacts, submissions and their frozen snapshots.

The pure rules of this capability; nothing is re-exported here."""
