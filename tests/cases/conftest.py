import pytest

from cases.models import Category
from tests.factories import photo, report  # noqa: F401  (re-exported: tests import them from here)


@pytest.fixture
def rubbish(catalogue):
    """暴露垃圾: verification required, after-photo required."""
    return Category.objects.get(code="01001")


@pytest.fixture
def dispute(catalogue):
    """邻里纠纷: no on-site verification, no after-photo, one required extra field."""
    return Category.objects.get(code="06001")


@pytest.fixture
def new_case(tree, rubbish):
    return report(tree, rubbish)
