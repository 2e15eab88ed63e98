"""The base map in templates: ``{% load basemap %}``.

``{% basemap_attrs %}`` writes the data attributes ``static/js/basemap.js`` reads on a map element: the
configured tiles (gridgov/basemap.py), or the URL of the offline base layer for a signed-in user.
``{% basemap_notice %}`` is the first-run notice: the district centre and administrators see, while no tile
provider is configured and until they hide it, how to configure one.
"""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from gridgov.basemap import tile_provider

register = template.Library()

NOTICE_HIDDEN = "basemap_notice_hidden"  # session key: the notice was hidden in this session


@register.simple_tag(takes_context=True)
def basemap_attrs(context):
    provider = tile_provider(settings.GRIDGOV)
    if provider:
        return format_html(
            'data-tiles="{}" data-tile-labels="{}" data-subdomains="{}" data-datum="{}" '
            'data-attribution="{}" data-max-zoom="{}"',
            provider["url"],
            provider["labels"],
            provider["subdomains"],
            provider["datum"],
            provider["attribution"],
            provider["max_zoom"],
        )
    request = context.get("request")
    if request is not None and request.user.is_authenticated:
        return format_html('data-datum="wgs84" data-base="{}"', reverse("residents:base-layer"))
    return mark_safe('data-datum="wgs84"')  # a constant


@register.inclusion_tag("gridgov/_basemap_notice.html", takes_context=True)
def basemap_notice(context):
    request = context.get("request")
    nav = context.get("command_nav") or {}
    show = (
        request is not None
        and request.user.is_authenticated
        and not request.session.get(NOTICE_HIDDEN)
        and (request.user.is_superuser or bool(nav and nav["centre"]))
        and tile_provider(settings.GRIDGOV) is None
    )
    return {"show": show, "request": request, "csrf_token": context.get("csrf_token")}
