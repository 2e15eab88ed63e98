"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""

MAKERS = {}
# basename -> why the endpoint is not area-scoped
EXEMPT = {
    "intake-hotline-order": "API-key only (no session or token users): an integration reads the work orders "
    "it sent, filtered to its service user; tested in tests/intake/test_hotline_api.py",
    "intake-sensor-alert": "API-key only, create-only: a sensor platform posts alerts and reads nothing "
    "back; tested in tests/intake/test_sensors_api.py",
}
