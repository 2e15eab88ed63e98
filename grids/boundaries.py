"""Boundary import and export as GeoJSON FeatureCollections, with a validation report per feature.

A feature is one area, identified by ``properties.code``; its level follows from the code's length and its
parent from the code's prefix. Validation checks that every ring is closed, the geometry is valid (with
GEOS's reason when not), the area lies inside its parent (up to ``tolerance_m2``), and reports overlaps
with siblings — areas of the same parent, in the database or in the same file — with their size in m².

Import is all or nothing: one error anywhere and nothing is written.
"""

from dataclasses import dataclass, field
from math import cos, pi, radians

import shapely
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.validation import explain_validity

from . import spatial
from .geometry import BoundaryError, boundary_shape, derive_extent
from .models import (
    CODE_LENGTH,
    PARENT_LEVEL,
    Area,
    AreaChange,
    AreaKind,
    BoundaryRevision,
    DedicatedPurpose,
    Role,
)
from .scope import reach

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_TOLERANCE_M2 = 10.0  # digitising slivers along shared edges are far below this
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
EDITABLE_PROPERTIES = ("name", "kind", "purpose", "households", "residents")


# --- geometry measures ------------------------------------------------------------------------------


def area_m2(geom) -> float:
    """Area in square metres of a lon/lat geometry (equirectangular at its own latitude: <0.1 % error
    at district size, which is all an overlap or containment report needs)."""
    if geom is None or geom.is_empty:
        return 0.0
    lat0 = geom.centroid.y
    return float(shapely.area(geom)) * (EARTH_RADIUS_M * pi / 180) ** 2 * cos(radians(lat0))


def outside_m2(geom, container) -> float:
    """How much of ``geom`` lies outside ``container``, in m²."""
    return area_m2(shapely.difference(geom, container))


def overlap_m2(a, b) -> float:
    return area_m2(shapely.intersection(a, b))


def _ring_errors(geometry) -> list[str]:
    """Checks on the raw coordinates, before shapely (which silently closes open rings)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        return [_("The geometry must be a Polygon or MultiPolygon, not %(type)s.") % {"type": kind}]
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        return [_("The geometry has no coordinates.")]
    errors = []
    for p, rings in enumerate(polygons, 1):
        if not isinstance(rings, list) or not rings:
            return [_("Polygon %(n)s has no rings.") % {"n": p}]
        for r, ring in enumerate(rings, 1):
            where = {"p": p, "r": r}
            try:
                points = [(float(pt[0]), float(pt[1])) for pt in ring]
            except (TypeError, ValueError, IndexError, KeyError):
                return [_("Polygon %(p)s ring %(r)s has a position that is not [lon, lat].") % where]
            if len(points) < 4:
                errors.append(_("Polygon %(p)s ring %(r)s has fewer than 4 positions.") % where)
            elif points[0] != points[-1]:
                errors.append(
                    _("Polygon %(p)s ring %(r)s is not closed (first and last positions differ).") % where
                )
            if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in points):
                errors.append(_("Polygon %(p)s ring %(r)s has positions outside lon/lat range.") % where)
    return errors


def check_geometry(geometry):
    """(shapely geometry or None, errors) for one GeoJSON geometry."""
    if not isinstance(geometry, dict):
        return None, [_("The feature has no geometry.")]
    errors = _ring_errors(geometry)
    if errors:
        return None, errors
    try:
        geom = boundary_shape(geometry)
    except BoundaryError as exc:
        return None, [str(exc)]
    if geom.is_empty:
        return None, [_("The geometry is empty.")]
    if not geom.is_valid:
        return None, [_("The geometry is not valid: %(reason)s.") % {"reason": explain_validity(geom)}]
    return geom, []


# --- the report ---------------------------------------------------------------------------------------


@dataclass
class FeatureReport:
    index: int
    code: str | None
    name: str = ""
    action: str = ""  # "create", "update", "unchanged"
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


@dataclass
class BoundaryReport:
    features: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # about the file as a whole
    imported: bool = False
    change: AreaChange | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not any(f.errors for f in self.features)

    def count(self, action) -> int:
        return sum(1 for f in self.features if f.action == action)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(len(f.errors) for f in self.features)

    @property
    def warning_count(self) -> int:
        return sum(len(f.warnings) for f in self.features)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "imported": self.imported,
            "errors": self.errors,
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "features": [f.__dict__ for f in self.features if f.errors or f.warnings],
        }

    def lines(self) -> list[str]:
        out = [f"ERROR {e}" for e in self.errors]
        for f in self.features:
            label = f"#{f.index} {f.code or '?'} {f.name}".rstrip()
            out += [f"ERROR   {label}: {e}" for e in f.errors]
            out += [f"WARNING {label}: {w}" for w in f.warnings]
        return out


# --- export -------------------------------------------------------------------------------------------


def boundaries_export(areas) -> dict:
    """A FeatureCollection of the areas (in code order), each with its code, parent and figures."""
    features = []
    for area in sorted(areas, key=lambda a: a.code):
        parent_code = (
            area.code[: CODE_LENGTH[PARENT_LEVEL[area.level]]] if area.level in PARENT_LEVEL else None
        )
        features.append(
            {
                "type": "Feature",
                "id": area.code,
                "bbox": None
                if area.min_lon is None
                else [area.min_lon, area.min_lat, area.max_lon, area.max_lat],
                "geometry": area.boundary,
                "properties": {
                    "code": area.code,
                    "name": area.name,
                    "level": area.level,
                    "parent": parent_code,
                    "kind": area.kind,
                    "purpose": area.purpose,
                    "households": area.households,
                    "residents": area.residents,
                    "is_active": area.is_active,
                    "retired_at": area.retired_at.isoformat() if area.retired_at else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- import -------------------------------------------------------------------------------------------


@dataclass
class _Item:
    report: FeatureReport
    props: dict
    geometry: dict | None = None
    geom: object = None
    level: str | None = None
    parent_code: str | None = None
    existing: Area | None = None


def _check_properties(item: _Item, existing: Area | None):
    props, report = item.props, item.report
    if existing is None and not str(props.get("name") or "").strip():
        report.errors.append(_("A new area needs a name."))
    if "level" in props and props["level"] != item.level:
        report.errors.append(
            _("The level %(given)s does not match the code's level %(level)s.")
            % {"given": props["level"], "level": item.level}
        )
    kind = props.get("kind", existing.kind if existing else AreaKind.COMPREHENSIVE)
    purpose = props.get("purpose", existing.purpose if existing else "") or ""
    if kind not in AreaKind.values:
        report.errors.append(_("Unknown kind %(kind)s.") % {"kind": kind})
    if purpose not in DedicatedPurpose.values:
        report.errors.append(_("Unknown dedicated purpose %(purpose)s.") % {"purpose": purpose})
    elif purpose and kind != AreaKind.DEDICATED:
        report.errors.append(_("Only a dedicated grid has a purpose."))
    for name in ("households", "residents"):
        value = props.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            report.errors.append(_("%(field)s must be a whole number ≥ 0.") % {"field": name})


def _parse(collection, report: BoundaryReport) -> list[_Item]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        report.errors.append(_("The file is not a GeoJSON FeatureCollection."))
        return []
    features = collection.get("features")
    if not isinstance(features, list):
        report.errors.append(_("The FeatureCollection has no features list."))
        return []
    items, seen = [], {}
    for index, feature in enumerate(features, 1):
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        code = str(props.get("code") or feature.get("id") or "").strip() or None
        item = _Item(FeatureReport(index=index, code=code, name=str(props.get("name") or "")), props)
        items.append(item)
        if feature.get("type") != "Feature":
            item.report.errors.append(_("Not a GeoJSON Feature."))
            continue
        if code is None or not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
            item.report.errors.append(_("The code must be 6, 9, 12, 15 or 18 digits."))
            continue
        if code in seen:
            item.report.errors.append(_("The code also appears in feature #%(n)s.") % {"n": seen[code]})
        seen[code] = index
        item.level = LEVEL_BY_LENGTH[len(code)]
        if item.level in PARENT_LEVEL:
            item.parent_code = code[: CODE_LENGTH[PARENT_LEVEL[item.level]]]
        item.geometry = feature.get("geometry")
        item.geom, errors = check_geometry(item.geometry)
        item.report.errors += errors
    return items


def _check_tree(items: list[_Item]) -> dict:
    """Match features with existing areas and parents; returns {code: geometry} of parents in the DB."""
    codes = {i.report.code for i in items if i.level}
    parent_codes = {i.parent_code for i in items if i.parent_code} - codes
    existing = {a.code: a for a in Area.objects.filter(code__in=codes | parent_codes)}
    in_file = {i.report.code for i in items if i.level}
    for item in items:
        if not item.level:
            continue
        item.existing = existing.get(item.report.code)
        if item.existing is not None and not item.existing.is_active:
            item.report.errors.append(_("This area is retired; adjust grids instead of importing into it."))
        if item.existing is not None and item.existing.level != item.level:
            item.report.errors.append(
                _("The existing area with this code is a %(level)s.") % {"level": item.existing.level}
            )
        if item.parent_code and item.parent_code not in in_file:
            parent = existing.get(item.parent_code)
            if parent is None or not parent.is_active:
                item.report.errors.append(
                    _("The parent %(code)s does not exist or is retired.") % {"code": item.parent_code}
                )
        _check_properties(item, item.existing)
    return {code: area for code, area in existing.items() if code in parent_codes}


def _geoms_by_code(items, db_parents) -> dict:
    """The geometry each code will have after the import (file first, then the database)."""
    result = {}
    for code, area in db_parents.items():
        try:
            result[code] = boundary_shape(area.boundary) if area.boundary else None
        except BoundaryError:
            result[code] = None
    for item in items:
        if item.geom is not None:
            result[item.report.code] = item.geom
    return result


def _check_containment(items, geoms, tolerance_m2):
    for item in items:
        if item.geom is None or not item.parent_code:
            continue
        parent_geom = geoms.get(item.parent_code)
        if parent_geom is None:
            item.report.warnings.append(_("The parent has no boundary; containment was not checked."))
            continue
        outside = outside_m2(item.geom, parent_geom)
        if outside > tolerance_m2:
            item.report.errors.append(
                _("%(m2).0f m² lies outside the parent %(code)s.") % {"m2": outside, "code": item.parent_code}
            )


def sibling_overlaps(candidates: dict, parent_codes, tolerance_m2, exclude_codes=()):
    """Overlaps (code, other code, m²) between each candidate {code: geom} and the other active children
    of the same parent — in the database or among the candidates — larger than the tolerance."""
    others = (
        Area.objects.active()
        .filter(parent__code__in=set(parent_codes))
        .exclude(boundary__isnull=True)
        .exclude(code__in=set(candidates) | set(exclude_codes))
        .values_list("code", "boundary")
    )
    pool = dict(candidates)
    for code, boundary in others:
        try:
            pool[code] = boundary_shape(boundary)
        except BoundaryError:
            continue
    codes = list(pool)
    tree = shapely.STRtree([pool[c] for c in codes])
    found = []
    for code, geom in candidates.items():
        for j in tree.query(geom, predicate="intersects"):
            other = codes[j]
            if other == code or other[:-3] != code[:-3] or (other in candidates and other < code):
                continue
            m2 = overlap_m2(geom, pool[other])
            if m2 > tolerance_m2:
                found.append((code, other, m2))
    return found


def _check_overlaps(items, tolerance_m2, strict):
    by_code = {i.report.code: i for i in items if i.geom is not None}
    candidates = {code: i.geom for code, i in by_code.items() if i.parent_code}
    if not candidates:
        return
    parent_codes = {by_code[c].parent_code for c in candidates}
    for code, other, m2 in sibling_overlaps(candidates, parent_codes, tolerance_m2):
        for mine, theirs in ((code, other), (other, code)):
            if mine in by_code:
                message = _("Overlaps sibling %(code)s by %(m2).0f m².") % {"code": theirs, "m2": m2}
                (by_code[mine].report.errors if strict else by_code[mine].report.warnings).append(message)


def _may_import(actor, codes) -> bool:
    if actor is None or actor.is_superuser:
        return True
    return all(reach(actor).covers(code, [Role.DISTRICT_CENTRE]) for code in codes)


def boundaries_validate(collection, *, tolerance_m2=DEFAULT_TOLERANCE_M2, strict=False):
    """Validate a FeatureCollection against the tree; returns (report, parsed items)."""
    report = BoundaryReport()
    items = _parse(collection, report)
    report.features = [i.report for i in items]
    db_parents = _check_tree(items)
    _check_containment(items, _geoms_by_code(items, db_parents), tolerance_m2)
    _check_overlaps(items, tolerance_m2, strict)
    for item in items:
        if item.level:
            item.report.action = "create" if item.existing is None else "update"
    return report, items


def boundaries_import(
    *, collection, actor=None, dry_run=False, strict=False, tolerance_m2=DEFAULT_TOLERANCE_M2
):
    """Validate and, when nothing is wrong, create or update every area in the file in one transaction.

    ``strict`` turns sibling overlaps into errors. ``actor`` None is the operator at the command line;
    a user must be a superuser or hold the district-centre role over every area in the file.
    """
    report, items = boundaries_validate(collection, tolerance_m2=tolerance_m2, strict=strict)
    if not _may_import(actor, [i.report.code for i in items if i.level]):
        raise PermissionDenied(_("Only the district centre may import boundaries."))
    if report.ok and not dry_run:
        with transaction.atomic():
            report.change = _apply(items, actor)
        report.imported = True
    return report


def _apply(items: list[_Item], actor) -> AreaChange | None:
    locked = {
        a.code: a for a in Area.objects.select_for_update().filter(code__in=[i.report.code for i in items])
    }
    previous, new, updated = {}, [], []
    # Parents first, so every new child finds its parent (saved or about to be).
    for item in sorted(items, key=lambda i: len(i.report.code)):
        area = locked.get(item.report.code)
        if area is None:
            area = Area(code=item.report.code, level=item.level)
            if item.parent_code:
                area.parent = locked.get(item.parent_code) or Area.objects.get(code=item.parent_code)
            locked[area.code] = area
            new.append(area)
        elif area.boundary == item.geometry and all(
            getattr(area, k) == item.props[k] for k in EDITABLE_PROPERTIES if item.props.get(k) is not None
        ):
            item.report.action = "unchanged"
            continue
        else:
            if area.boundary != item.geometry:
                previous[area.code] = area.boundary
            updated.append(area)
        for key in EDITABLE_PROPERTIES:
            if item.props.get(key) is not None:
                setattr(area, key, item.props[key])
        area.boundary = item.geometry
        area.full_clean(validate_unique=False)
    _save_quietly(new, updated)
    if not previous and not new:
        return None
    change = AreaChange.objects.create(
        kind=AreaChange.Kind.REDRAW,
        previous_boundaries=previous,
        actor=actor,
        note=_("Boundary import: %(created)s created, %(updated)s updated.")
        % {"created": len(new), "updated": len(updated)},
    )
    change.created.set(new)
    return change


def _save_quietly(new, updated):
    """Save without a revision bump per row (thousands of features): one bump on commit instead."""
    now = timezone.now()
    for area in new + updated:
        area.min_lon, area.min_lat, area.max_lon, area.max_lat, area.centroid_lon, area.centroid_lat = (
            derive_extent(area.boundary)
        )
        area.updated_at = now
    for length in sorted({len(a.code) for a in new}):
        batch = [a for a in new if len(a.code) == length]
        for area in batch:
            area.parent_id = area.parent.pk if area.parent is not None else None
        Area.objects.bulk_create(batch)
    if updated:
        Area.objects.bulk_update(
            updated,
            [
                "boundary",
                "name",
                "kind",
                "purpose",
                "households",
                "residents",
                "min_lon",
                "min_lat",
                "max_lon",
                "max_lat",
                "centroid_lon",
                "centroid_lat",
                "updated_at",
            ],
            batch_size=500,
        )
    spatial.invalidate()
    transaction.on_commit(BoundaryRevision.bump)
