"""The evaluation service app."""

from pathlib import Path

from fastapi import FastAPI

import services.evaluation as package
from services.evaluation.api import routers
from services.evaluation.consumers import SUBSCRIPTIONS
from services.evaluation.models import messaging
from services.evaluation.service.sweeps import sweep_evaluations, sweep_labels
from services.evaluation.settings import EvaluationSettings
from shared.clock import today_of
from shared.http import PeriodicJob, app_factory


async def _evaluations(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        await sweep_evaluations(session, today_of(app), app.state.settings)


async def _labels(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        await sweep_labels(session, today_of(app), app.state.settings)


def _interval(settings: EvaluationSettings) -> float:
    return settings.sweep_interval_seconds


create_app = app_factory(
    name="evaluation",
    title="Klyngeforum Evaluation",
    description=(package.__doc__ or "").split("\n\n", 1)[-1].strip(),
    settings_class=EvaluationSettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
    periodic=[
        PeriodicJob("evaluation-evaluations", _evaluations, _interval),
        PeriodicJob("evaluation-labels", _labels, _interval),
    ],
)
