"""Benchmarks of the suite, printed as ratios against baselines measured in the same run.

``make bench`` (``python -m bench``) starts its own nats-server, databases and servers; see
``bench/README.md`` for what each figure means.
"""
