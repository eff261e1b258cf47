"""Request and response models of the funding API (never mixed with tables)."""

from services.funding.schemas.calls import *  # noqa: F403
from services.funding.schemas.grants import *  # noqa: F403
