"""WGS 84 ↔ GCJ-02, the datum China's online maps (AMap/高德, Tencent) draw their tiles in.

GCJ-02 is WGS 84 shifted by a published, deterministic offset of a few hundred metres inside China and by
nothing outside it. GridGov stores every coordinate in WGS 84 (CGCS2000 agrees with it to centimetres), so a
map on GCJ-02 tiles converts on display (``wgs_to_gcj``) and converts a pin placed on it back
(``gcj_to_wgs``). The forward transform is closed-form; the inverse has no closed form and is found by
iteration to well under a metre. ``static/js/basemap.js`` holds the same functions for the browser, and
``tests/gridgov/test_gcj02.py`` checks both against published pairs.
"""

import math

_A = 6378245.0  # the Krasovsky 1940 ellipsoid the offset is defined on
_EE = 0.00669342162296594323
_INVERSE_TOLERANCE = 1e-9  # degrees: about 0.1 mm
_INVERSE_STEPS = 30


def outside_china(lat: float, lon: float) -> bool:
    """True where GCJ-02 applies no offset (the transform's own rough bounding box of China)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """(dlat, dlon) in degrees that GCJ-02 adds to the WGS 84 point (lat, lon)."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs_to_gcj(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 (lat, lon) of a WGS 84 point; unchanged outside China."""
    if outside_china(lat, lon):
        return lat, lon
    dlat, dlon = _offset(lat, lon)
    return lat + dlat, lon + dlon


def gcj_to_wgs(lat: float, lon: float) -> tuple[float, float]:
    """The WGS 84 (lat, lon) whose GCJ-02 is this point, by fixed-point iteration (converges in a few steps:
    the offset changes by millimetres over the metres it moves)."""
    if outside_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(_INVERSE_STEPS):
        glat, glon = wgs_to_gcj(wlat, wlon)
        dlat, dlon = glat - lat, glon - lon
        wlat, wlon = wlat - dlat, wlon - dlon
        if abs(dlat) < _INVERSE_TOLERANCE and abs(dlon) < _INVERSE_TOLERANCE:
            break
    return wlat, wlon
