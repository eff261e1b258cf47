"""Request and response models of the referrals API (never mixed with tables)."""
