"""Pure rules of the registry: no I/O, no framework; the paper's rules live here."""

from services.registry.rules.members import *  # noqa: F403
from services.registry.rules.mergers import *  # noqa: F403
from services.registry.rules.profile import *  # noqa: F403
from services.registry.rules.responsibility import *  # noqa: F403
from services.registry.rules.scopes import *  # noqa: F403
