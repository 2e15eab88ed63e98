"""OpenAPI: integration endpoints take ``Authorization: Api-Key <key>`` (or ``X-Api-Key``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class _ApiKeyScheme(OpenApiAuthenticationExtension):
    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key gg_<prefix>_<secret>` (created with manage.py create_api_key).",
        }


class HotlineKeyScheme(_ApiKeyScheme):
    target_class = "intake.api.HotlineKey"
    name = "HotlineApiKey"


class SensorKeyScheme(_ApiKeyScheme):
    target_class = "intake.api.SensorKey"
    name = "SensorApiKey"
