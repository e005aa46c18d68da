"""Uploads: transfers to the object store, verification, file types, reconcile.

The pure rules of this capability; nothing is re-exported here."""
