import json

from django.urls import reverse

from grids.models import User


def test_the_admin_exports_selected_areas_as_geojson(tree, client):
    client.force_login(User.objects.create_superuser("root", password="x"))
    picked = tree.grids[:2]
    response = client.post(
        reverse("admin:grids_area_changelist"),
        {"action": "export_geojson", "_selected_action": [g.pk for g in picked]},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [f["properties"]["code"] for f in data["features"]] == [g.code for g in picked]
