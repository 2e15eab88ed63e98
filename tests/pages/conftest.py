import pytest

from cases.models import Category
from tests.factories import photo, report  # noqa: F401  (re-exported: tests import them from here)


@pytest.fixture
def rubbish(catalogue):
    """暴露垃圾: grid level, verification required, after-photo required."""
    return Category.objects.get(code="01001")


def login(client, tree, name):
    client.force_login(tree.users[name])
    return client
