"""Funding use cases: load, apply rules, write, add outbox events; never commit."""

from services.funding.service.calls import *  # noqa: F403
from services.funding.service.common import *  # noqa: F403
from services.funding.service.findings import *  # noqa: F403
from services.funding.service.grants import *  # noqa: F403
from services.funding.service.programmes import *  # noqa: F403
