import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grids.models import Area

pytestmark = pytest.mark.django_db


def _upload(collection):
    return SimpleUploadedFile(
        "b.geojson", json.dumps(collection).encode(), content_type="application/geo+json"
    )


def test_it_imports_a_valid_file(tree, admin_client):
    grid = tree.grids[0]
    lon, lat = grid.min_lon, grid.min_lat
    smaller = {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + 0.002, lat], [lon + 0.002, lat + 0.002], [lon, lat + 0.002], [lon, lat]]
        ],
    }
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"code": grid.code}, "geometry": smaller}],
    }
    response = admin_client.post("/admin/grids/area/import-boundaries/", {"file": _upload(collection)})
    assert response.status_code == 302
    assert Area.objects.get(pk=grid.pk).boundary == smaller


def test_a_broken_file_imports_nothing_and_says_why(tree, admin_client):
    grid = tree.grids[0]
    before = grid.boundary
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"code": grid.code}, "geometry": bowtie}],
    }
    response = admin_client.post("/admin/grids/area/import-boundaries/", {"file": _upload(collection)})
    assert response.status_code == 200
    assert grid.code in response.content.decode()
    assert Area.objects.get(pk=grid.pk).boundary == before
    garbage = SimpleUploadedFile("b.geojson", b"\\xff not json")
    assert admin_client.post("/admin/grids/area/import-boundaries/", {"file": garbage}).status_code == 200
