"""Pure rules of the registry: no I/O, no framework; the paper's rules live here.

Import each rule from the module that defines it (``rules.responsibility``,
``rules.profile``, ``rules.mergers``, ``rules.members``, ``rules.scopes``).
"""
