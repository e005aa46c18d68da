"""Courses: providers, course approval (the competency map, the rubric, the approval term) and
completions, as pure rules."""
