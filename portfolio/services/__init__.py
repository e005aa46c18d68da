"""Use cases: load, check, call the domain, change models, flush (never commit)."""
