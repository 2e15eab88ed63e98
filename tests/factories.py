"""Test data: a small tree with boundaries, and users with roles in it.

``build_tree()`` lays out a 2×2 km square district near Changsha as a lattice: 2 streets (west, east),
each with 2 communities (south, north), each with 2 grids (left, right) — 8 grids, every one a square.
"""

from dataclasses import dataclass, field

from cases.services import case_report
from grids.models import Area, AreaKind, Department, Level, Role, User
from grids.services import membership_grant

LON0, LAT0 = 112.90, 28.20
STEP = 0.005  # one grid is STEP × STEP degrees (~0.5 km)


def square(x0, y0, w, h):
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]],
    }


def make_area(code, name, level, parent=None, boundary=None, **extra):
    return Area.objects.create(code=code, name=name, level=level, parent=parent, boundary=boundary, **extra)


def make_user(username, role=None, area=None, department=None, **extra):
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        membership_grant(user=user, role=role, area=area, department=department)
    return user


@dataclass
class Tree:
    district: Area
    streets: list = field(default_factory=list)
    communities: list = field(default_factory=list)
    grids: list = field(default_factory=list)
    users: dict = field(default_factory=dict)
    departments: list = field(default_factory=list)


def build_tree() -> Tree:
    district = make_area("430104", "测试区", Level.DISTRICT, boundary=square(LON0, LAT0, 4 * STEP, 2 * STEP))
    tree = Tree(district=district)
    for s in range(2):
        street = make_area(
            f"430104{s + 1:03d}",
            f"街道{s + 1}",
            Level.STREET,
            district,
            boundary=square(LON0 + s * 2 * STEP, LAT0, 2 * STEP, 2 * STEP),
        )
        tree.streets.append(street)
        for c in range(2):
            community = make_area(
                f"{street.code}{c + 1:03d}",
                f"社区{s + 1}-{c + 1}",
                Level.COMMUNITY,
                street,
                boundary=square(LON0 + s * 2 * STEP, LAT0 + c * STEP, 2 * STEP, STEP),
            )
            tree.communities.append(community)
            for g in range(2):
                grid = make_area(
                    f"{community.code}{g + 1:03d}",
                    f"网格{s + 1}-{c + 1}-{g + 1}",
                    Level.GRID,
                    community,
                    boundary=square(LON0 + (s * 2 + g) * STEP, LAT0 + c * STEP, STEP, STEP),
                    kind=AreaKind.COMPREHENSIVE,
                )
                tree.grids.append(grid)
    dept = Department.objects.create(code="CG", name="城管局", area=district)
    dept.covered_areas.add(tree.streets[0])
    tree.departments.append(dept)
    u = tree.users
    u["worker"] = make_user("worker", Role.GRID_WORKER, tree.grids[0])
    u["worker2"] = make_user("worker2", Role.GRID_WORKER, tree.grids[1])
    u["leader"] = make_user("leader", Role.GRID_LEADER, tree.grids[0])
    u["community"] = make_user("community", Role.COMMUNITY_STAFF, tree.communities[0])
    u["community_b"] = make_user("community_b", Role.COMMUNITY_STAFF, tree.communities[2])
    u["street"] = make_user("street", Role.STREET_STAFF, tree.streets[0])
    u["centre"] = make_user("centre", Role.DISTRICT_CENTRE, district)
    u["handler"] = make_user("handler", Role.DEPARTMENT_HANDLER, district, department=dept)
    u["stranger"] = make_user("stranger")
    return tree


def photo(name="photo.jpg", color=(200, 30, 30), size=(64, 48)):
    """A small JPEG upload, as a phone would send it."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def report(tree, category, *, actor=None, grid=0, **kwargs):
    """A case reported through the service in ``tree.grids[grid]``, at its centre: by the grid's worker in
    grid 0, by the district centre elsewhere (who may report anywhere), unless ``actor`` is given."""
    grid_area = tree.grids[grid]
    kwargs.setdefault("title", "东门垃圾堆放")
    kwargs.setdefault("lat", grid_area.centroid_lat)
    kwargs.setdefault("lon", grid_area.centroid_lon)
    actor = actor or tree.users["worker" if grid == 0 else "centre"]
    return case_report(actor=actor, category=category, **kwargs).case
