"""Referrals: request and response models (§5).

The contact person's e-mail and phone are checked here without extra libraries: an e-mail
is ``local@domain.tld`` with the usual length limits; a phone is a Danish number (8 digits,
optionally written with +45 or 0045) or an international one in E.164 (+ and 8–15 digits,
or 00 instead of +). Spaces, dashes, dots and brackets are allowed while typing and dropped;
phones are stored as E.164 (``+4512345678``), e-mails with the domain in lower case.
Error messages never repeat the value (it is personal data).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from services.referrals.rules.referrals import OutcomeCategory, State
from shared.reference.fields import field_by_code
from shared.validation import Cvr, Int, MunicipalityCode, UtcDatetime, text

OrgId = text(min_length=1, max_length=64)
Need = text(min_length=10, max_length=5000)
Name = text(min_length=1, max_length=200)
Reason = text(min_length=1, max_length=2000)
Note = text(min_length=1, max_length=2000)

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{4,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PHONE_NOISE = re.compile(r"[\s\-.()/]")


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value) or ".." in value.split("@")[0]:
        raise ValueError("is not an e-mail address (name@domain.tld)")
    local, domain = value.rsplit("@", 1)
    if local.startswith(".") or local.endswith("."):
        raise ValueError("is not an e-mail address (name@domain.tld)")
    return f"{local}@{domain.lower()}"


def _phone(value: str) -> str:
    raw = _PHONE_NOISE.sub("", value.strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.isdigit() and len(raw) == 8 and raw[0] != "0":
        return "+45" + raw
    if raw.startswith("+45"):
        if len(raw) == 11 and raw[1:].isdigit() and raw[3] != "0":
            return raw
        raise ValueError("is not a Danish phone number (8 digits, optionally +45)")
    if raw.startswith("+") and raw[1:].isdigit() and 8 <= len(raw) - 1 <= 15 and raw[1] != "0":
        return raw
    raise ValueError("is not a phone number: 8 Danish digits (optionally +45) or + and 8–15 digits")


def _fields(values: list[str]) -> list[str]:
    known = field_by_code()
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValueError(
            f"unknown field code(s) {', '.join(repr(u[:40]) for u in unknown[:5])}; "
            f"known: {', '.join(known)}"
        )
    if len(set(values)) != len(values):
        raise ValueError("each field may be listed once")
    return values


Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
Fields = Annotated[list[str], Field(max_length=14), AfterValidator(_fields)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FirmIn(_In):
    cvr: Cvr | None = Field(
        None, description="The firm's CVR number; leave out for an entrepreneur not yet registered"
    )
    name: text(min_length=1, max_length=300)  # type: ignore[valid-type]
    municipality_code: MunicipalityCode = Field(description="Where the firm is (4 digits)")
    employees: Int | None = Field(None, ge=0, le=1_000_000)


class ContactIn(_In):
    """The firm's contact person (personal data: shared only with consent, seen only by the
    two organisations, never in events or logs, erased after the retention period)."""

    name: Name  # type: ignore[valid-type]
    email: Email | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _reachable(self) -> ContactIn:
        if self.email is None and self.phone is None:
            raise ValueError("give the contact person's e-mail or phone (or both)")
        return self


class ConsentIn(_In):
    """The contact person's consent to share their data with the recipient (§5)."""

    given_at: UtcDatetime = Field(description="When consent was given (UTC; not in the future)")
    given_by: Name = Field(description="Who gave it (the person's name)")  # type: ignore[valid-type]
    purpose: text(min_length=1, max_length=500) = Field(  # type: ignore[valid-type]
        description="What the person agreed to, in their words or yours"
    )


class ReferralCreate(_In):
    recipient_id: OrgId = Field(description="The organisation you refer the firm to")  # type: ignore[valid-type]
    service_id: OrgId | None = Field(  # type: ignore[valid-type]
        None, description="One of the recipient's active services (optional)"
    )
    firm: FirmIn
    need: Need = Field(description="What the firm needs (10–5,000 characters)")  # type: ignore[valid-type]
    fields: Fields = Field(default_factory=list, description="Field codes (GET /organisations)")
    contact: ContactIn
    consent: ConsentIn


# --- transitions ------------------------------------------------------------------------------


class NoteIn(_In):
    note: Note | None = Field(None, description="A note for the history (optional)")  # type: ignore[valid-type]


class ReasonIn(_In):
    reason: Reason = Field(  # type: ignore[valid-type]
        description="Why. Seen by the other organisation; do not write personal data here"
    )


class OutcomeIn(_In):
    outcome: text(min_length=1, max_length=5000) = Field(  # type: ignore[valid-type]
        description="What came of it, for the sender (stays in the referral, not in events)"
    )
    outcome_category: OutcomeCategory | None = Field(
        None, description="Coarse outcome for the statistics (sent in the event)"
    )


# --- answers ----------------------------------------------------------------------------------


class FirmOut(BaseModel):
    cvr: str | None
    name: str | None
    municipality_code: str
    region_code: str
    employees: int | None


class ContactOut(BaseModel):
    name: str | None
    email: str | None
    phone: str | None


class ConsentOut(BaseModel):
    given_at: UtcDatetime
    given_by: str | None = Field(description="null once the contact data has been erased")
    purpose: str


class ReferralOut(BaseModel):
    id: str
    sender_id: str
    sender_kind: str
    sender_municipality_code: str | None
    sender_region_code: str | None
    recipient_id: str
    recipient_kind: str
    recipient_municipality_code: str | None
    recipient_region_code: str | None
    service_id: str | None
    firm: FirmOut
    need: str | None = Field(description="null once erased (retention or request)")
    fields: list[str]
    contact: ContactOut | None = Field(description="null once erased; see contact_erased_at")
    consent: ConsentOut
    contact_erased_at: UtcDatetime | None
    erased_reason: Literal["retention", "request"] | None
    state: State
    owner_id: str | None = Field(description="The organisation that must act now (None: closed)")
    allowed_actions: list[str] = Field(
        description="What the caller may do now (POST /referrals/{id}/<action>)"
    )
    reason: str | None
    outcome: str | None
    outcome_category: str | None
    cross_municipality: bool = Field(
        description="The firm is in another municipality than the receiving organisation"
    )
    cross_region: bool = Field(
        description="The firm is in another region than the receiving organisation"
    )
    created_at: UtcDatetime
    answered_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    state_changed_at: UtcDatetime
    due_at: UtcDatetime | None
    overdue: bool = Field(description="The owner did not act by due_at")
    overdue_at: UtcDatetime | None
    version: int


class TransitionOut(BaseModel):
    id: int
    referral_id: str
    from_state: str | None
    to_state: str
    actor_id: str | None = Field(description="The organisation that acted (null: the system)")
    note: str | None
    at: UtcDatetime


class FirmExport(BaseModel):
    """Everything about one CVR the caller may see (GDPR access on request)."""

    cvr: str
    exported_at: UtcDatetime
    count: int
    referrals: list[ReferralExport]


class ReferralExport(ReferralOut):
    history: list[TransitionOut]


class FirmErased(BaseModel):
    cvr: str
    referrals_erased: int
    referral_ids: list[str]
    idempotency_keys_deleted: int


class OverdueRun(BaseModel):
    job: Literal["overdue"] = "overdue"
    ran_at: UtcDatetime
    marked: int
    referral_ids: list[str]
    events: int


class RetentionRun(BaseModel):
    job: Literal["retention"] = "retention"
    ran_at: UtcDatetime
    contacts_erased: int
    referral_ids: list[str]
    idempotency_keys_purged: int


FirmExport.model_rebuild()
