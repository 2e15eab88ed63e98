"""The GeoReport v2 field lists, as the specification (wiki.open311.org/GeoReport_v2) gives them."""

# wrapper element -> the element each item is wrapped in
WRAPPERS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
SERVICE_DEFINITION = ["service_code", "attributes"]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
VALUE = ["key", "name"]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
POST_RESPONSE = ["service_request_id", "service_notice", "account_id"]  # token only when there is no id
TOKEN = ["service_request_id", "token"]
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
ERROR = ["code", "description"]
# The servicerequestupdates extension as FixMyStreet defines it.
UPDATE = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]

# w3 profile of ISO 8601 with a zone: 2026-11-23T09:30:00+08:00 or ...Z
W3_DATETIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$"
