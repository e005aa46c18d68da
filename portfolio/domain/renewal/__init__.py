"""Renewal: continuing-education activities and their contact hours, the renewal window and
grace period, reminders, and how renewals stand per quarter."""
