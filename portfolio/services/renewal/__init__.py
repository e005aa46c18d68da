"""Renewal: the holder's continuing-education log, renewal applications and the office's review,
reminders and lapses, and the per-quarter overview."""
