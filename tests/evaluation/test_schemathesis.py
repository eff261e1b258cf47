"""Property-based fuzzing of the evaluation API with schemathesis: no input may cause a 5xx
(``tests.registry.test_schemathesis.fuzz_service``: the real suite, derandomized, bounded)."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from tests.conftest import Suite
from tests.registry.test_schemathesis import fuzz_service

SKIP: tuple[str, ...] = ()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
async def test_evaluation_api_never_answers_5xx(suite: Suite, mode: GenerationMode) -> None:
    await fuzz_service(suite, "evaluation", "fivu-rti", mode, skip=SKIP)
