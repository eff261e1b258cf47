"""Gateway use cases: load, apply rules, write; never commit."""
