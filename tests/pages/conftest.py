import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import Category
from cases.services import case_report


def photo(name="photo.jpg", color=(200, 30, 30), size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def rubbish(catalogue):
    """暴露垃圾: grid level, verification required, after-photo required."""
    return Category.objects.get(code="01001")


def report(tree, category, *, actor=None, grid=0, **kwargs):
    grid_area = tree.grids[grid]
    kwargs.setdefault("title", "东门垃圾堆放")
    kwargs.setdefault("lat", grid_area.centroid_lat)
    kwargs.setdefault("lon", grid_area.centroid_lon)
    return case_report(actor=actor or tree.users["worker"], category=category, **kwargs).case


def login(client, tree, name):
    client.force_login(tree.users[name])
    return client
