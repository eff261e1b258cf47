"""Request and response models of the evaluation API (never mixed with tables)."""
