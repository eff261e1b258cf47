"""Request and response models of the funding API (never mixed with tables).

Import from the modules: ``calls`` (programmes, calls, dialogue), ``grants`` (grants,
agreements, the cluster read model), ``findings``, ``timeline``.
"""
