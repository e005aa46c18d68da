"""Courses: providers, course approval (the competency map, the rubric, the approval term),
and approved-course evidence (completion dates, rosters, catalogue filters), as pure rules."""
