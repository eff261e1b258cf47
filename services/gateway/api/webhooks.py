"""Webhooks for partners (issue 7): subscribe a URL to event type patterns and be pushed
each matching event as a signed CloudEvent (Standard Webhooks).

Every endpoint needs a token with ``webhooks:write`` (every organisation kind holds it) and
acts on the caller's own organisation's subscriptions only; another organisation's answer
404. Deliveries: ``POST`` of the CloudEvent JSON with ``webhook-id`` (the event id: the same
on every retry, deduplicate on it), ``webhook-timestamp`` and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of id.timestamp.body>``; verify with any Standard Webhooks
library and the secret). A 2xx answer within the timeout is a delivery; anything else is
retried by Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, with jitter)
and then given up (``failed``). A subscription whose deliveries fail without a success for 5
days (``GATEWAY_WEBHOOK_DISABLE_AFTER``), or whose receiver answers 410 Gone, is disabled and
its owner gets the addressed event ``gateway.webhook.disabled`` (re-enable with
``POST …/enable``). URLs to private, loopback, link-local or
metadata addresses are refused (SSRF guard).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import idempotency_keys
from services.gateway.schemas.webhooks import (
    DeliveryOut,
    DeliveryState,
    PingOut,
    SecretOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookUpdate,
)
from services.gateway.service import webhooks as service
from services.gateway.settings import GatewaySettings
from shared import idempotency
from shared.auth import Principal, require_scope
from shared.clock import now_of
from shared.db import session_dependency
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

PREFIX = "/gateway/v1/webhooks"
router = APIRouter(prefix=PREFIX, tags=["webhooks"])

Session = Annotated[AsyncSession, Depends(session_dependency)]
Owner = Annotated[Principal, Depends(require_scope("webhooks:write"))]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
IdempotencyKey = Annotated[
    str | None, Header(description="Repeat a creating POST safely: a retry gets the first answer")
]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
#: Answers holding a secret are not to be kept by caches.
NO_STORE = {"Cache-Control": "no-store"}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid token"},
    403: {"description": "The token lacks webhooks:write"},
    404: {"description": "No such subscription of your organisation"},
}


def settings_of(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


def out(sub: Any) -> WebhookOut:
    return WebhookOut.model_validate(sub, from_attributes=True)


@router.post(
    "",
    status_code=201,
    response_model=WebhookCreated,
    summary="Subscribe a URL to event types (webhooks:write); the answer holds the secret once",
    responses={**AUTH_ERRORS, 422: {"description": "Invalid patterns or an unsafe URL"}},
)
async def create_webhook(
    request: Request,
    session: Session,
    body: WebhookCreate,
    principal: Owner,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    # the SSRF guard's name lookup before the session holds a connection
    url = await service.check_url(body.url, settings_of(request))

    async def create() -> dict[str, Any]:
        sub, secret = await service.create_subscription(
            session, body, url, principal, now_of(request.app)
        )
        created = WebhookCreated.model_validate({**out(sub).model_dump(), "secret": secret})
        return created.model_dump(mode="json")

    response = await idempotency.create_once(
        request, session, idempotency_keys, principal, idempotency_key, body, create
    )
    response.headers.update(NO_STORE)
    return response


@router.get(
    "",
    response_model=Page[WebhookOut],
    summary="Your organisation's subscriptions (cursor pages)",
    responses=AUTH_ERRORS,
)
async def list_webhooks(
    session: Session, principal: Owner, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[WebhookOut]:
    rows, nxt = await service.list_subscriptions(session, principal, cursor, limit)
    return Page[WebhookOut](items=[out(r) for r in rows], next_cursor=nxt)


@router.get(
    "/{webhook_id}",
    response_model=WebhookOut,
    summary="One of your subscriptions, with why it was disabled if it was (ETag)",
    responses=AUTH_ERRORS,
)
async def get_webhook(session: Session, principal: Owner, webhook_id: str) -> JSONResponse:
    sub = await service.own_subscription(session, webhook_id, principal)
    return with_etag(out(sub), sub.version)


@router.patch(
    "/{webhook_id}",
    response_model=WebhookOut,
    summary="Change the URL, patterns or description (If-Match)",
    responses={
        **AUTH_ERRORS,
        412: {"description": "Changed since you read it"},
        428: {"description": "If-Match missing"},
    },
)
async def update_webhook(
    request: Request,
    session: Session,
    principal: Owner,
    webhook_id: str,
    body: WebhookUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    # the SSRF guard's name lookup before the session holds a connection
    url = await service.check_url(body.url, settings_of(request)) if body.url else None
    sub = await service.own_subscription(session, webhook_id, principal)
    sub = await service.update_subscription(session, sub, body, url, if_match, now_of(request.app))
    return with_etag(out(sub), sub.version)


@router.delete(
    "/{webhook_id}",
    status_code=204,
    summary="Delete a subscription and its delivery log",
    responses=AUTH_ERRORS,
)
async def delete_webhook(session: Session, principal: Owner, webhook_id: str) -> Response:
    sub = await service.own_subscription(session, webhook_id, principal)
    await service.delete_subscription(session, sub)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/enable",
    response_model=WebhookOut,
    summary="Re-enable a disabled subscription: its run of failures starts afresh, pending "
    "deliveries resume",
    responses=AUTH_ERRORS,
)
async def enable_webhook(
    request: Request, session: Session, principal: Owner, webhook_id: str
) -> JSONResponse:
    sub = await service.own_subscription(session, webhook_id, principal)
    sub = await service.enable_subscription(session, sub, now_of(request.app))
    return with_etag(out(sub), sub.version)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=SecretOut,
    summary="A new signing secret (shown once); the old one also signs for 24 hours",
    responses=AUTH_ERRORS,
)
async def rotate_webhook_secret(
    request: Request, session: Session, principal: Owner, webhook_id: str
) -> JSONResponse:
    sub = await service.own_subscription(session, webhook_id, principal)
    sub, secret = await service.rotate_secret(session, sub, now_of(request.app))
    body = SecretOut(
        id=sub.id,
        secret=secret,
        previous_secret_expires_at=sub.previous_secret_expires_at,
        version=sub.version,
    )
    response = with_etag(body, sub.version)
    response.headers.update(NO_STORE)
    return response


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="The delivery log: each event's state, attempts, last answer, next attempt",
    responses=AUTH_ERRORS,
)
async def list_webhook_deliveries(
    session: Session,
    principal: Owner,
    webhook_id: str,
    state: DeliveryState | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[DeliveryOut]:
    sub = await service.own_subscription(session, webhook_id, principal)
    rows, nxt = await service.list_deliveries(session, sub, state, cursor, limit)
    return Page[DeliveryOut](items=[DeliveryOut.of(r) for r in rows], next_cursor=nxt)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryOut,
    summary="Send a delivery again now (same webhook-id), whatever its state",
    responses={**AUTH_ERRORS, 409: {"description": "The subscription is disabled"}},
)
async def redeliver_webhook_delivery(
    request: Request, session: Session, principal: Owner, webhook_id: str, delivery_id: str
) -> DeliveryOut:
    sub = await service.own_subscription(session, webhook_id, principal)
    delivery = await service.redeliver(session, sub, delivery_id, now_of(request.app))
    return DeliveryOut.of(delivery)


@router.post(
    "/{webhook_id}/test",
    response_model=PingOut,
    summary="Send a signed gateway.webhook.test event now and answer what the receiver said",
    description=(
        "The ping is a CloudEvent of type `gateway.webhook.test` signed like every delivery; "
        "it is neither logged nor retried and does not count towards disabling."
    ),
    responses=AUTH_ERRORS,
)
async def test_webhook(request: Request, principal: Owner, webhook_id: str) -> PingOut:
    # No session is held while the receiver answers (embedded SQLite has one connection).
    attempt, msg_id = await service.send_test(
        request.app.state.session_factory,
        settings_of(request),
        webhook_id,
        principal,
        now_of(request.app),
    )
    return PingOut(
        delivered=attempt.ok,
        status=attempt.status,
        error=attempt.error,
        duration_ms=attempt.duration_ms,
        webhook_id=msg_id,
    )
