from services.registry.models import Base
from services.registry.settings import RegistrySettings
from shared.alembic_env import run

run(Base.metadata, RegistrySettings().resolved_database_url())
