from services.referrals.models import Base
from services.referrals.settings import ReferralsSettings
from shared.alembic_env import run

run(Base.metadata, ReferralsSettings().resolved_database_url())
