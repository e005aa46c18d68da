"""Applications: experience and eligibility, fees, payments and scholarships, supervisors.

The pure rules of this capability; nothing is re-exported here."""
