"""Appeals of set outcomes and certification decisions: the published procedure's deadlines,
stages, the grounds' bounds and who may sit on the committee, as pure rules."""
