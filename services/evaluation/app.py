"""The evaluation service app."""

from pathlib import Path

import services.evaluation as package
from services.evaluation.api import routers
from services.evaluation.consumers import SUBSCRIPTIONS
from services.evaluation.models import messaging
from services.evaluation.settings import EvaluationSettings
from shared.http import app_factory

create_app = app_factory(
    name="evaluation",
    title="Klyngeforum Evaluation",
    description=(package.__doc__ or "").split("\n\n", 1)[-1].strip(),
    settings_class=EvaluationSettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
)
