"""The webhook retry rules (``services.gateway.rules.retries``), pure: Standard Webhooks'
schedule, jitter, ``Retry-After``, the run of failures and when it disables, what the owner's
event may say about the URL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.gateway.rules.retries import (
    DISABLE_AFTER,
    STANDARD_SCHEDULE,
    Attempt,
    disabled_reason,
    disables,
    failing_since_after,
    jittered,
    redacted,
    retry_after_seconds,
    retry_delay,
    scheduled_delay,
    span,
    url_host,
)
from services.gateway.settings import GatewaySettings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def failed(at: datetime, status: int | None = 500, retry_after: str | None = None) -> Attempt:
    return Attempt(at, status, None if status else "timeout after 10 s", 12.0, retry_after)


def test_the_default_is_standard_webhooks_schedule_and_five_days() -> None:
    assert STANDARD_SCHEDULE == (5, 300, 1800, 7200, 18000, 36000, 36000)
    settings = GatewaySettings()
    assert settings.webhook_retry_schedule_seconds == STANDARD_SCHEDULE
    assert settings.webhook_disable_after == DISABLE_AFTER == timedelta(days=5)
    # eight attempts over about 28 hours, then given up
    assert [scheduled_delay(n, STANDARD_SCHEDULE) for n in range(1, 9)] == [
        *STANDARD_SCHEDULE,
        None,
    ]
    assert sum(STANDARD_SCHEDULE) / 3600 == pytest.approx(27.6, abs=0.05)


def test_settings_take_seconds_or_iso_durations_and_refuse_negative_delays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_WEBHOOK_RETRY_SCHEDULE_SECONDS", "[1, 2.5, 60]")
    monkeypatch.setenv("GATEWAY_WEBHOOK_DISABLE_AFTER", "P2D")
    settings = GatewaySettings()
    assert settings.webhook_retry_schedule_seconds == (1, 2.5, 60)
    assert settings.webhook_disable_after == timedelta(days=2)
    assert GatewaySettings(webhook_disable_after=3600).webhook_disable_after == timedelta(hours=1)
    with pytest.raises(ValidationError):
        GatewaySettings(webhook_retry_schedule_seconds=(5, -1))


def test_jitter_spreads_around_the_schedule_and_none_keeps_it_exact() -> None:
    rng = random.Random(7)
    draws = [jittered(300, 0.1, rng) for _ in range(400)]
    assert all(270 <= d <= 330 for d in draws)
    assert min(draws) < 275 and max(draws) > 325  # spread over the whole band
    assert jittered(300, 0.0, rng) == 300
    schedule = (5.0, 300.0)
    assert retry_delay(failed(T0), 2, schedule, 0.0, rng) == 300
    assert retry_delay(failed(T0), 3, schedule, 0.0, rng) is None  # given up


def test_retry_after_is_honoured_when_longer_up_to_the_longest_delay() -> None:
    rng = random.Random(1)
    busy = failed(T0, 503, "600")
    assert retry_delay(busy, 1, STANDARD_SCHEDULE, 0.0, rng) == 600
    assert retry_delay(failed(T0, 429, "1"), 2, STANDARD_SCHEDULE, 0.0, rng) == 300
    assert retry_delay(failed(T0, 503, "999999"), 1, STANDARD_SCHEDULE, 0.0, rng) == 36000
    assert retry_delay(failed(T0, 500, "600"), 1, STANDARD_SCHEDULE, 0.0, rng) == 5  # not 5xx
    assert retry_delay(busy, 8, STANDARD_SCHEDULE, 0.0, rng) is None  # still given up


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Sun, 01 Mar 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 01 Mar 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_a_run_of_failures_starts_at_its_first_and_a_success_ends_it() -> None:
    assert failing_since_after(failed(T0), None) == T0
    later = T0 + timedelta(hours=3)
    assert failing_since_after(failed(later), T0) == T0
    ok = Attempt(later, 204, None, 3.0)
    assert failing_since_after(ok, T0) is None
    assert failing_since_after(ok, None) is None
    # a success answered before the run began (recorded late) does not end it
    early = Attempt(T0 - timedelta(seconds=1), 200, None, 3.0)
    assert failing_since_after(early, T0) == T0


def test_disabled_only_after_failing_the_whole_period_or_at_once_on_gone() -> None:
    period = DISABLE_AFTER
    assert disables(failed(T0 + timedelta(days=4, hours=23)), T0, period) is None
    assert disables(failed(T0 + timedelta(days=5)), T0, period) == "failing"
    assert disables(failed(T0 + timedelta(days=9), status=None), T0, period) == "failing"
    assert disables(failed(T0, 410), T0, period) == "gone"
    assert disables(Attempt(T0 + timedelta(days=6), 200, None, 1.0), T0, period) is None
    assert disables(failed(T0), None, period) is None


def test_the_reason_and_the_event_keep_the_urls_secret_path_out() -> None:
    url = "https://hooks.example.dk:8443/in/s3cr3t-t0ken?key=abc"
    assert url_host(url) == "hooks.example.dk"
    assert url_host("not a url") == ""
    leaky = failed(T0 + timedelta(days=5), status=None)
    leaky.error = "ReadError: http://10.0.0.5:8443/in/s3cr3t-t0ken?key=abc went away"
    reason = disabled_reason("failing", 40, T0, leaky, url)
    assert "s3cr3t" not in reason and "key=abc" not in reason
    assert reason == (
        "No successful delivery for 5 days (since 2026-03-02T09:00:00Z): 40 failed attempts "
        "in a row; last: ReadError: http://10.0.0.5:8443/… went away at 2026-03-07T09:00:00Z."
    )
    assert redacted("HTTP 500", "https://x.dk/") == "HTTP 500"
    gone = disabled_reason("gone", 1, T0, failed(T0, 410), url)
    assert (
        gone == "The receiver answered HTTP 410 Gone at 2026-03-02T09:00:00Z: it wants no more "
        "deliveries."
    )


def test_spans_in_words() -> None:
    assert span(timedelta(days=5)) == "5 days"
    assert span(timedelta(days=1, hours=2, minutes=3)) == "1 day 2 h"
    assert span(timedelta(hours=2, minutes=30)) == "2 h 30 min"
    assert span(timedelta(seconds=45)) == "45 s"
    assert span(timedelta(0)) == "0 s"
