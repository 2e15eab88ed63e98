"""The offline base layer: what a map draws under the grid outlines when no tile provider is configured.

From the district's own data, in the user's scope: the outlines of the district, its streets (街道) and
communities, named; from zoom ``DETAIL_ZOOM`` on, the buildings and places inside the visible box. It is
light by construction: outlines are simplified to about a pixel at the asked zoom (and cached per area and
zoom, since every user sees the same outline), buildings and places come only for the box on screen, at
most ``POINT_LIMIT`` of each. ``static/js/basemap.js`` draws it; gridgov/basemap.py says when.
"""

import math

from django.core.cache import cache
from shapely.geometry import mapping

from grids.geometry import BoundaryError, boundary_shape
from grids.models import Area, Level
from grids.scope import scoped

from .models import Building, Place

DETAIL_ZOOM = 15  # buildings and places from this zoom on
POINT_LIMIT = 1500  # of each, per answer: more than fit a phone's screen at DETAIL_ZOOM
MIN_ZOOM, MAX_ZOOM = 3, 20
OUTLINE_LEVELS = {
    Level.DISTRICT: MIN_ZOOM,  # level → the zoom from which it is drawn
    Level.STREET: MIN_ZOOM,
    Level.COMMUNITY: 13,
}
CACHE_SECONDS = 24 * 3600
BUILDING_KINDS = dict(Building.Kind.choices)
PLACE_KINDS = dict(Place.Kind.choices)


def _tolerance(zoom: int) -> float:
    """About one screen pixel at this zoom, in degrees of longitude (256-pixel tiles)."""
    return 360.0 / (256 * 2**zoom)


def _rounded(coords, places):
    if isinstance(coords, int | float):
        return round(coords, places)
    return [_rounded(c, places) for c in coords]


def _key(area: Area, zoom: int) -> str:
    return f"basemap:outline:{area.pk}:{area.updated_at.timestamp():.0f}:{zoom}"


def _simplified(boundary, zoom: int) -> dict:
    """The boundary simplified for this zoom, coordinates rounded to what the zoom shows ({} if unusable)."""
    try:
        shape = boundary_shape(boundary)
    except BoundaryError:
        return {}
    if shape is None or shape.is_empty:
        return {}
    geometry = dict(mapping(shape.simplify(_tolerance(zoom), preserve_topology=True)))
    digits = max(4, min(7, math.ceil(math.log10(256 * 2**zoom / 360.0)) + 1))
    geometry["coordinates"] = _rounded(geometry["coordinates"], digits)
    return geometry


def _outlines(areas: list[Area], zoom: int) -> dict[int, dict]:
    """Area id → simplified outline: from the cache, the boundaries of the others in one query."""
    keys = {area.pk: _key(area, zoom) for area in areas}
    cached = cache.get_many(list(keys.values()))
    found = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [pk for pk in keys if pk not in found]
    if missing:
        fresh = {}
        for pk, boundary in Area.objects.filter(pk__in=missing).values_list("pk", "boundary"):
            found[pk] = fresh[keys[pk]] = _simplified(boundary, zoom)
        cache.set_many(fresh, CACHE_SECONDS)
    return found


def base_layer(user, *, zoom: int, bbox: tuple[float, ...] | None) -> dict:
    """A GeoJSON FeatureCollection; each feature's ``layer`` says what it is: district, street, community,
    building or place. ``bbox`` (west, south, east, north) limits everything to what is on screen."""
    zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
    levels = [level for level, from_zoom in OUTLINE_LEVELS.items() if zoom >= from_zoom]
    areas = scoped(user, Area.objects.filter(level__in=levels, is_active=True)).exclude(boundary=None)
    if bbox:
        west, south, east, north = bbox
        areas = areas.filter(min_lon__lte=east, max_lon__gte=west, min_lat__lte=north, max_lat__gte=south)
    features = []
    areas = list(areas.only("pk", "code", "name", "level", "updated_at", "centroid_lat", "centroid_lon"))
    outlines = _outlines(areas, zoom)
    for area in areas:
        geometry = outlines.get(area.pk)
        if geometry:
            features.append(
                {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {
                        "layer": area.level,
                        "code": area.code,
                        "name": area.name,
                        "label": [area.centroid_lat, area.centroid_lon],
                    },
                }
            )
    truncated = False
    if zoom >= DETAIL_ZOOM and bbox:
        west, south, east, north = bbox
        box = {"lat__gte": south, "lat__lte": north, "lon__gte": west, "lon__lte": east}
        buildings = scoped(user, Building.objects.filter(**box)).values_list(
            "name", "kind", "floors", "lat", "lon"
        )
        places = scoped(user, Place.objects.filter(is_active=True, **box)).values_list(
            "name", "kind", "lat", "lon"
        )
        rows = list(buildings.order_by("pk")[: POINT_LIMIT + 1])
        truncated = len(rows) > POINT_LIMIT
        for name, kind, floors, lat, lon in rows[:POINT_LIMIT]:
            features.append(
                _point("building", lat, lon, name=name, kind=BUILDING_KINDS.get(kind, ""), floors=floors)
            )
        rows = list(places.order_by("pk")[: POINT_LIMIT + 1])
        truncated = truncated or len(rows) > POINT_LIMIT
        for name, kind, lat, lon in rows[:POINT_LIMIT]:
            features.append(_point("place", lat, lon, name=name, kind=PLACE_KINDS.get(kind, "")))
    return {
        "type": "FeatureCollection",
        "features": features,
        "zoom": zoom,
        "detail_zoom": DETAIL_ZOOM,
        "truncated": truncated,
    }


def _point(layer, lat, lon, **properties):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {"layer": layer, **properties},
    }
