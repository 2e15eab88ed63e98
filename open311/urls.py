"""GeoReport v2 under /open311/v2/: every resource with a .json or .xml suffix."""

from django.urls import path, re_path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "open311fmt")

app_name = "open311"
urlpatterns = [
    path("", views.index, name="root"),
    path("discovery.<open311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<open311fmt:fmt>", views.services, name="services"),
    path("services/<str:service_code>.<open311fmt:fmt>", views.service_definition, name="service"),
    path("requests.<open311fmt:fmt>", views.requests, name="requests"),
    path("requests/<str:service_request_id>.<open311fmt:fmt>", views.request_detail, name="request"),
    path("tokens/<str:token>.<open311fmt:fmt>", views.token, name="token"),
    path("servicerequestupdates.<open311fmt:fmt>", views.updates, name="updates"),
    path("media/<str:service_request_id>/<int:attachment_id>.jpg", views.media, name="media"),
    re_path(r"^(?P<path>.*)$", views.unknown),
]
