"""Applications: experience and eligibility, fees, payments and scholarships, supervisors.

The use cases of this capability; nothing is re-exported here."""
