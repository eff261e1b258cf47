from services.evaluation.models import Base
from services.evaluation.settings import EvaluationSettings
from shared.alembic_env import run

run(Base.metadata, EvaluationSettings().resolved_database_url())
