"""Community parenting (pillar 3): children of migrant workers, caregivers, groups, sessions, consent."""
