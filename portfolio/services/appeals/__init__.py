"""Appeals: filing a notice and the grounds, the office's answer, the committee's ruling, and
what a ruling that sends a case back re-opens (a fresh review or the office's reconsideration)."""
