"""Remittances received for members' families, savings goals, KUR referrals and the pre-departure loan
template (issue 21, DOMAIN.md "Remittances and migrant finance"). See docs/remittances.md."""
