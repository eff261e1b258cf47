"""Property-based fuzzing of the gateway API with schemathesis: no input may cause a 5xx
(``tests.registry.test_schemathesis.fuzz_service``: the real suite, derandomized, bounded)."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from tests.conftest import Suite
from tests.registry.test_schemathesis import fuzz_service

SKIP = (
    "GET /gateway/v1/events",
)  # the event stream never ends by itself; its first fill is fuzzed


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
async def test_gateway_api_never_answers_5xx(suite: Suite, mode: GenerationMode) -> None:
    await fuzz_service(suite, "gateway", "kl", mode, skip=SKIP)
