"""Pure rules of the gateway: no I/O, no framework, no database, no bus.

- ``patterns``    event type patterns (``funding.*``, ``*.dialogue.*``): grammar, matching,
                  validation against the event catalog.
- ``visibility``  who may see an event: public, or addressed to you; everything for the forum
                  secretariat's ``all=true``.
- ``ssrf``        which webhook URLs and addresses are refused, and the pinned connection.
- ``signing``     a delivery's body and its Standard Webhooks signature headers.
- ``retries``     what an attempt's answer means: the retry schedule (Standard Webhooks'),
                  ``Retry-After``, giving up, disabling after days of failing.

Import from the modules (``from services.gateway.rules.patterns import matches``).
"""
