"""Pure rules of issue 12 in evaluation: who may act (``rules.authority``; the grant in force
it relies on is tested with ``shared.money``), the league as of a year
(``rules.account.league_as_of``), when a flag's basis is withdrawn (``rules.flags``) and the
earliest publishing day (``config.AccountConfig``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.evaluation.config import AccountConfig
from services.evaluation.rules import authority
from services.evaluation.rules.account import end_of_year, league_as_of
from services.evaluation.rules.flags import (
    FlagRule,
    Standing,
    performance_basis_withdrawn,
    relevance_basis_withdrawn,
)
from shared.refusal import Refusal


def test_relevance_marks_by_a_funder_in_force_or_a_responsible_party() -> None:
    kw = {"responsible": ["fivu-rti", "vaekstforum-syddanmark"], "funders_in_force": ["kommune"]}
    for actor in ("fivu-rti", "vaekstforum-syddanmark", "kommune"):
        authority.check_may_mark_relevance(actor, **kw)
    with pytest.raises(Refusal) as refused:
        authority.check_may_mark_relevance("vaekstforum-midtjylland", **kw)
    assert refused.value.rule == authority.RELEVANCE_RULE
    assert refused.value.kind == "not-funder-or-responsible"
    assert refused.value.may_act == ("fivu-rti", "vaekstforum-syddanmark", "kommune")
    assert refused.value.paragraph == "§4.3, §1" and "§4.3" in refused.value.detail
    assert "vaekstforum-midtjylland" in refused.value.detail  # whom it refused
    with pytest.raises(Refusal) as nobody:
        authority.check_may_mark_relevance("x", responsible=[], funders_in_force=[])
    assert nobody.value.may_act == () and "no one" in nobody.value.detail


def test_the_other_writes_name_their_party() -> None:
    authority.check_may_withdraw_mark("a", author="a")
    with pytest.raises(Refusal, match="Only a"):
        authority.check_may_withdraw_mark("b", author="a")
    authority.check_may_report("cl-1", cluster_id="cl-1")
    with pytest.raises(Refusal) as report:
        authority.check_may_report("cl-2", cluster_id="cl-1")
    assert report.value.may_act == ("cl-1",) and report.value.rule == authority.REPORT_RULE
    authority.check_may_publish("fivu-rti")
    with pytest.raises(Refusal) as publish:
        authority.check_may_publish("em")
    assert (publish.value.kind, publish.value.paragraph) == ("not-the-publisher", "§4.1")
    authority.check_may_complete_evaluation("em", funder_id="em")
    with pytest.raises(Refusal):
        authority.check_may_complete_evaluation("fivu-rti", funder_id="em")


def _at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def test_the_league_in_force_at_the_end_of_the_year() -> None:
    history = [(_at(2020, 5, 1), "emerging"), (_at(2025, 6, 1), "national")]
    assert league_as_of(history, 2024, "world_class") == "emerging"
    assert league_as_of(history, 2025, "world_class") == "national"
    assert league_as_of(history, 2019, "world_class") == "emerging"  # before the first entry
    assert league_as_of([], 2024, "national") == "national"
    # the end of the year is Danish midnight: 31 December 23:30 UTC is already 2026 in Denmark
    late = [(_at(2020, 1, 1), "emerging"), (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), "national")]
    assert league_as_of(late, 2025, "x") == "emerging"
    assert end_of_year(2025) == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    # two changes in a year: the last one counts
    twice = [*history, (_at(2025, 9, 1), "world_class")]
    assert league_as_of(twice, 2025, "x") == "world_class"


def test_a_flag_is_lifted_only_when_every_basis_is_withdrawn() -> None:
    assert relevance_basis_withdrawn(["a", "b"], ["a", "b", "c"])
    assert not relevance_basis_withdrawn(["a", "b"], ["a"])
    assert not relevance_basis_withdrawn([], ["a"])
    rule = FlagRule()
    assert performance_basis_withdrawn(Standing(60.0, 62.5), rule)
    assert not performance_basis_withdrawn(Standing(10.0, 12.5), rule)
    assert not performance_basis_withdrawn(Standing(None, None), rule)  # missing: no evidence
    assert not performance_basis_withdrawn(None, rule)


def test_the_earliest_publishing_day() -> None:
    assert AccountConfig().earliest_publication(2025) == date(2026, 3, 1)
    assert AccountConfig(publish_from=(1, 15)).earliest_publication(2025) == date(2026, 1, 15)

    class Settings:
        composite_min_coverage = 0.5
        flag_quartile = 0.25
        flag_consecutive_years = 3
        account_publish_from = "04-30"

    config = AccountConfig.from_settings(Settings())
    assert config.earliest_publication(2024) == date(2025, 4, 30)
    with pytest.raises(ValueError):
        AccountConfig(publish_from=(2, 30))
