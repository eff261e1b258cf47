"""The event catalog and the AsyncAPI 3 document generated from it."""

import pytest
from pydantic import BaseModel

from shared.events import contracts
from shared.events.catalog import CATALOG, asyncapi_document
from shared.events.envelope import CloudEvent
from shared.events.spec import catalog_of, declare


def test_catalog_declares_the_registry_event() -> None:
    spec = CATALOG["registry.organisation.registered"]
    assert spec.producer == "registry"
    assert "organisation_id" in spec.payload.model_fields


def test_event_types_follow_the_subject_convention() -> None:
    with pytest.raises(ValueError, match=r"<service>\.<entity>\.<verb>"):

        @declare("nowhere.thing", "bad")
        class Bad(BaseModel):
            pass

    @declare("registry.organisation.registered", "again")
    class Again(BaseModel):
        pass

    with pytest.raises(ValueError, match="declared twice"):
        catalog_of([*vars(contracts).values(), Again])


def test_asyncapi_document_is_generated_from_the_catalog() -> None:
    doc = asyncapi_document("registry")
    assert doc["asyncapi"] == "3.0.0"
    channel = doc["channels"]["registry_organisation_registered"]
    assert channel["address"] == "registry.organisation.registered"
    message = doc["components"]["messages"]["registry_organisation_registered"]
    assert message["payload"] == {"$ref": "#/components/schemas/OrganisationRegistered"}
    schema = doc["components"]["schemas"]["OrganisationRegistered"]
    assert "organisation_id" in schema["properties"]
    assert doc["operations"]["publish_registry_organisation_registered"]["action"] == "send"
    # a service's document holds only what it sends: the gateway's own event, addressed
    gateway = asyncapi_document("gateway")
    assert list(gateway["channels"]) == ["gateway_webhook_disabled"]
    assert gateway["components"]["messages"]["gateway_webhook_disabled"]["x-addressed"] is True
    assert gateway["components"]["messages"]["gateway_webhook_disabled"]["x-stream"] == "GATEWAY"


def test_cloud_event_round_trip() -> None:
    event = CloudEvent(source="/registry", type="registry.organisation.registered", data={"a": 1})
    again = CloudEvent.from_json_bytes(event.to_json_bytes())
    assert again == event
    assert again.specversion == "1.0"
    assert "recipient" not in event.to_json_bytes().decode()
