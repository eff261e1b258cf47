"""Request and response models of the registry API (never mixed with tables)."""

from services.registry.schemas.clusters import *  # noqa: F403
from services.registry.schemas.organisations import *  # noqa: F403
from services.registry.schemas.organisations import REFERENCE_ONLY_KINDS, WEBSITE_MAX_LENGTH  # noqa: F401
