from services.gateway.models import Base
from services.gateway.settings import GatewaySettings
from shared.alembic_env import run

run(Base.metadata, GatewaySettings().resolved_database_url())
