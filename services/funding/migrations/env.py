from services.funding.models import Base
from services.funding.settings import FundingSettings
from shared.alembic_env import run

run(Base.metadata, FundingSettings().resolved_database_url())
