"""Pure rules of the referral exchange (§5): no I/O, no framework."""
