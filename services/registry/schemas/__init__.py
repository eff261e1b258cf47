"""Request and response models of the registry API (never mixed with tables).

Import each model from the module that defines it (``schemas.clusters``,
``schemas.organisations``).
"""
