"""Migration service desk (pillar 1): calon PMI case files, documents, agency checks, stages, the family
permission letter, consultations, the monthly summary (DOMAIN.md, API.md "Migration service desk")."""
