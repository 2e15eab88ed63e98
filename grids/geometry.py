"""GeoJSON boundaries as shapely geometries: parsing, validation and the derived extent."""

from shapely.geometry import shape


class BoundaryError(ValueError):
    """A boundary that is not a usable Polygon or MultiPolygon."""


def boundary_shape(geojson):
    """A shapely geometry for a GeoJSON Polygon/MultiPolygon (a Feature's geometry is accepted too)."""
    if geojson is None:
        return None
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    if geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise BoundaryError("A boundary is a GeoJSON Polygon or MultiPolygon.")
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise BoundaryError(f"Unreadable geometry: {exc}") from exc
    return geom


def derive_extent(geojson):
    """(min_lon, min_lat, max_lon, max_lat, centroid_lon, centroid_lat), or six Nones."""
    if not geojson:
        return (None,) * 6
    try:
        geom = boundary_shape(geojson)
    except BoundaryError:
        return (None,) * 6
    if geom.is_empty:
        return (None,) * 6
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    point = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    return min_lon, min_lat, max_lon, max_lat, point.x, point.y
