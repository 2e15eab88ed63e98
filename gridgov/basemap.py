"""The base map under every page's map: which tiles, from where, in which datum.

Settings name a preset (``GRIDGOV["MAP_TILES"]``, env ``MAP_TILES``) or an XYZ URL of one's own
(``MAP_TILE_URL``). Without either, pages draw the offline base layer from the district's own data
(``residents/basemap.py``) and nothing leaves the server. ``tile_provider`` turns the settings into what the
browser needs (``static/js/basemap.js`` reads it from the map element's data attributes);
``tile_hosts`` gives the origins the Content-Security-Policy's img-src must allow, only when configured.

Datums: 天地图 Tianditu draws in CGCS2000, which agrees with WGS 84 to centimetres, as does OpenStreetMap;
AMap/高德 and Tencent draw in GCJ-02, so the browser shifts what it draws onto them and shifts a pin placed on
them back (``gridgov/gcj02.py``). Stored coordinates are always WGS 84. README "Base map" documents the
presets, their keys and a self-hosted tile server.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

WGS84, GCJ02 = "wgs84", "gcj02"

PRESETS = {
    # 天地图: the national platform's vector map and its labels (Web Mercator, "_w"); a browser key (tk).
    "tianditu": {
        "url": "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk={key}",
        "labels": "https://t{s}.tianditu.gov.cn/DataServer?T=cva_w&x={x}&y={y}&l={z}&tk={key}",
        "subdomains": "01234567",
        "datum": WGS84,
        "attribution": "© 天地图 国家地理信息公共服务平台",
        "max_zoom": 18,
        "needs_key": True,
    },
    "amap": {
        "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "labels": "",
        "subdomains": "1234",
        "datum": GCJ02,
        "attribution": "© 高德地图 AutoNavi",
        "max_zoom": 18,
        "needs_key": False,
    },
    "tencent": {
        "url": "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&type=vector&styleid=0",
        "labels": "",
        "subdomains": "0123",
        "datum": GCJ02,
        "attribution": "© 腾讯地图",
        "max_zoom": 18,
        "needs_key": False,
    },
    "osm": {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "labels": "",
        "subdomains": "",
        "datum": WGS84,
        "attribution": "© OpenStreetMap contributors",
        "max_zoom": 19,
        "needs_key": False,
    },
}
XYZ = "xyz"  # any tile server of one's own: MAP_TILE_URL with MAP_TILE_DATUM


def tile_provider(conf: dict) -> dict | None:
    """What the browser needs to draw the configured tiles, or None (the offline base layer).

    ``conf`` is ``settings.GRIDGOV``. Raises ImproperlyConfigured for an unknown preset, a missing key or a
    URL that is not http(s), so a wrong setting stops the start-up (settings.py calls this) instead of
    drawing an empty map."""
    preset = (conf.get("MAP_TILES") or "").strip().lower()
    url = (conf.get("MAP_TILE_URL") or "").strip()
    if not preset and not url:
        return None
    if not preset or preset == XYZ:
        if not url.startswith(("https://", "http://")):
            raise ImproperlyConfigured(
                "MAP_TILE_URL must be an http(s) URL template such as https://…/{z}/{x}/{y}.png."
            )
        datum = (conf.get("MAP_TILE_DATUM") or WGS84).strip().lower()
        if datum not in (WGS84, GCJ02):
            raise ImproperlyConfigured("MAP_TILE_DATUM is wgs84 (also CGCS2000) or gcj02.")
        return {
            "name": XYZ,
            "url": url,
            "labels": "",
            "subdomains": conf.get("MAP_TILE_SUBDOMAINS") or "abc",
            "datum": datum,
            "attribution": conf.get("MAP_TILE_ATTRIBUTION") or "",
            "max_zoom": int(conf.get("MAP_TILE_MAX_ZOOM") or 19),
        }
    if preset not in PRESETS:
        raise ImproperlyConfigured(f"MAP_TILES is one of {', '.join([*PRESETS, XYZ])}, or empty.")
    spec = PRESETS[preset]
    key = (conf.get("MAP_TILE_KEY") or "").strip()
    if spec["needs_key"] and not key:
        raise ImproperlyConfigured(f"MAP_TILES={preset} needs MAP_TILE_KEY (the provider's browser key).")
    if any(c in key for c in "{}&?/#") or any(c.isspace() for c in key):
        raise ImproperlyConfigured("MAP_TILE_KEY holds a character a key never has.")
    return {
        "name": preset,
        "url": spec["url"].replace("{key}", key),
        "labels": spec["labels"].replace("{key}", key),
        "subdomains": spec["subdomains"],
        "datum": spec["datum"],
        "attribution": conf.get("MAP_TILE_ATTRIBUTION") or spec["attribution"],
        "max_zoom": spec["max_zoom"],
    }


def _origin(url: str) -> str | None:
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0]
    first, dot, others = host.partition(".")
    if "{s}" in first and dot and "{" not in others:
        host = "*." + others  # Leaflet's {s} subdomains: any of them
    if not host or "{" in host:
        return None
    return f"{scheme}://{host}"


def tile_hosts(provider: dict | None) -> list[str]:
    """The origins of the tiles, as the policy's img-src names them; empty without tiles."""
    if not provider:
        return []
    origins = [_origin(u) for u in (provider["url"], provider["labels"]) if u]
    return list(dict.fromkeys(o for o in origins if o))


def map_context() -> dict:
    """For a page's context: ``tiles`` (the URL template, empty without tiles) and ``attribution``."""
    provider = tile_provider(settings.GRIDGOV)
    return {
        "tiles": provider["url"] if provider else "",
        "attribution": provider["attribution"] if provider else "",
        "datum": provider["datum"] if provider else "",
    }
