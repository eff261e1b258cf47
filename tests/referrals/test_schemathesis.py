"""Property-based fuzzing of the referrals API with schemathesis: no input may cause a 5xx
(``tests.registry.test_schemathesis.fuzz_service``: the real suite, derandomized, bounded)."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from tests.conftest import Suite
from tests.registry.test_schemathesis import fuzz_service

SKIP: tuple[str, ...] = ()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
async def test_referrals_api_never_answers_5xx(suite: Suite, mode: GenerationMode) -> None:
    await fuzz_service(suite, "referrals", "kommune-0851", mode, skip=SKIP)
