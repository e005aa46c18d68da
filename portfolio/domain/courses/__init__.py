"""Courses: the rules of approved-course evidence (completion dates, rosters, catalogue filters)."""
