"""Referral exchange service.

Directory of services and activities, closed-loop referrals, matching, joint events and flows (§5).
"""
