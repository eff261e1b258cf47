"""A write the paper's roles do not allow this caller: the one refusal every service raises.

The paper divides the roles between autonomous public bodies and calls the division
"vejledende og fleksibel" (§1): a party acting outside its role is refused, and the refusal
says which rule applied, the paragraph it comes from and who may act instead, so the caller
knows whom to ask for an exception by consent. Every service's pure ``rules/authority.py``
builds a ``Refusal``; ``shared.errors`` answers it as 403 problem+json:

    {"type": ".../problems/<kind>", "status": 403, "rule": "<rule>", "paragraph": "§1",
     "may_act": ["fivu-rti", ...], "required_scope": ..., "accepted_scopes": [...]}

``paragraph`` and the scope fields appear only when given. The module is pure (no web or
database imports) so rules may build and raise it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

STATUS = 403


class Refusal(Exception):
    """403: ``rule`` names the rule, ``may_act`` lists who may act (organisation ids), in a
    stable order; ``scopes`` are the scopes a token would need when the token is the reason."""

    def __init__(
        self,
        kind: str,
        rule: str,
        detail: str,
        *,
        may_act: Iterable[str] = (),
        paragraph: str | None = None,
        scopes: Iterable[str] = (),
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.rule = rule
        self.detail = detail
        self.may_act: tuple[str, ...] = ordered(may_act)
        self.paragraph = paragraph
        self.scopes: tuple[str, ...] = tuple(scopes)

    def problem_fields(self) -> dict[str, Any]:
        """The members of the problem+json body beyond type, title, status and detail."""
        fields: dict[str, Any] = {"rule": self.rule, "may_act": list(self.may_act)}
        if self.paragraph:
            fields["paragraph"] = self.paragraph
        if self.scopes:
            fields["required_scope"] = self.scopes[0]
            fields["accepted_scopes"] = list(self.scopes)
        return fields

    def __repr__(self) -> str:
        return f"Refusal({self.kind!r}, rule={self.rule!r}, may_act={self.may_act!r})"


def ordered(ids: Iterable[str | None]) -> tuple[str, ...]:
    """Ids without blanks or repeats, first mention first."""
    return tuple(dict.fromkeys(i for i in ids if i))
