"""Uploads: transfers to the object store, verification, file types, reconcile.

The use cases of this capability; nothing is re-exported here."""
