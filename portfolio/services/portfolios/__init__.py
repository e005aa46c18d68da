"""Portfolios: entries, narratives, artifacts, submissions and their frozen snapshots.

The use cases of this capability; nothing is re-exported here."""
