"""A funding rule refused the action: the service layer turns it into problem+json. Pure."""

from __future__ import annotations


class RuleViolation(ValueError):
    """A domain rule refused the action; ``kind`` names it for problem+json."""

    def __init__(self, kind: str, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.extra = extra
