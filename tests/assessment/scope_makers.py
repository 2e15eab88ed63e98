"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""

MAKERS = {}
# basename -> why the endpoint is not area-scoped
EXEMPT = {}
