"""Registry use cases: load, apply rules, write, add outbox events; never commit."""

from services.registry.service.clusters import *  # noqa: F403
from services.registry.service.organisations import *  # noqa: F403
from services.registry.service.organisations import _announce  # noqa: F401
