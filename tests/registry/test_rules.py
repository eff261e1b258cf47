"""Pure registry rules."""

import pytest

from services.registry.rules import scopes as rules
from shared.kinds import SCOPES_BY_KIND


def test_default_scopes_are_the_kinds_bound() -> None:
    assert rules.grantable_scopes("ministry", None) == sorted(SCOPES_BY_KIND["ministry"])


def test_a_kind_cannot_get_scopes_beyond_its_bound() -> None:
    with pytest.raises(rules.ScopeNotAllowed, match="clients:write"):
        rules.grantable_scopes("growth_house", ["referrals:write", "clients:write"])


def test_a_subset_is_granted() -> None:
    assert rules.grantable_scopes("growth_forum", ["funding:write"]) == ["funding:write"]


def test_unknown_kind_gets_nothing() -> None:
    assert rules.grantable_scopes("unknown", None) == []


def test_token_scope_only_narrows() -> None:
    held = ["funding:write", "organisations:write"]
    assert rules.narrow_scopes(held, None) == sorted(held)
    assert rules.narrow_scopes(held, "funding:write") == ["funding:write"]
    with pytest.raises(rules.ScopeNotAllowed):
        rules.narrow_scopes(held, "admin")
