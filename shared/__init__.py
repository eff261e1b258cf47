"""Klyngeforum's own library: every service builds on it (settings, db, events, auth, http)."""
