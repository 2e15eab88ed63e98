"""Open311 settings, read from ``settings.GRIDGOV`` with the defaults of a development install.

| key | default | meaning |
|---|---|---|
| OPEN311_JURISDICTION | "lhq.gridgov.local" | the jurisdiction_id this endpoint serves (others answer 404) |
| OPEN311_CONTACT | "" | discovery: how to reach the operators |
| OPEN311_KEY_SERVICE | "" | discovery: how to get an API key |
| OPEN311_CHANGESET | "2026-11-23T00:00:00+08:00" | discovery: bump when services or their definitions
  change |
| OPEN311_ENDPOINT_TYPE | "production" | discovery: "production" or "test" |
| OPEN311_MEDIA_HOSTS | [] | hosts media_url may point at (exact names, or ".example.com" for subdomains) |
| OPEN311_MEDIA_MAX_BYTES | 10 MB | a fetched photo larger than this is refused |
| OPEN311_RATE_LIMIT | 60 | POSTs per API key per minute |
| OPEN311_EXCLUDED_GROUPS | ["06", "10"] | major classes never offered or published: disputes and special
  groups are about people |
| ALERT_SUBSCRIPTIONS_PER_CONTACT_PER_DAY | 5 | alert subscriptions one phone or e-mail may make a day |
| ALERT_SUBSCRIPTIONS_PER_IP_PER_DAY | 20 | alert subscriptions from one address a day |
| ALERT_SENDS_PER_CONTACT_PER_DAY | 10 | alerts sent to one phone or e-mail a day; more are logged, not sent |
| CITIZEN_UPDATES_PER_PHONE_PER_DAY | 5 | updates one verified phone may add to public reports a day |
| CITIZEN_UPDATES_PER_IP_PER_DAY | 20 | updates from one address a day |
| CITIZEN_WORDS_MODERATED | False | a citizen's update text waits for staff approval (photo moderation
  queue) before any public page or API shows it |
| OPEN311_REJECTED_MEDIA_DAYS | 90 | refused and failed photo fetches (a client's URL) kept this many days,
  then deleted by the sweep's hourly retention step |
"""

from django.conf import settings

DEFAULTS = {
    "OPEN311_JURISDICTION": "lhq.gridgov.local",
    "OPEN311_CONTACT": "",
    "OPEN311_KEY_SERVICE": "",
    "OPEN311_CHANGESET": "2026-11-23T00:00:00+08:00",
    "OPEN311_ENDPOINT_TYPE": "production",
    "OPEN311_MEDIA_HOSTS": [],
    "OPEN311_MEDIA_MAX_BYTES": 10 * 1024 * 1024,
    "OPEN311_RATE_LIMIT": 60,
    "OPEN311_EXCLUDED_GROUPS": ["06", "10"],
    "OPEN311_REJECTED_MEDIA_DAYS": 90,
    "ALERT_SUBSCRIPTIONS_PER_CONTACT_PER_DAY": 5,
    "ALERT_SUBSCRIPTIONS_PER_IP_PER_DAY": 20,
    "ALERT_SENDS_PER_CONTACT_PER_DAY": 10,
    "CITIZEN_UPDATES_PER_PHONE_PER_DAY": 5,
    "CITIZEN_UPDATES_PER_IP_PER_DAY": 20,
    "CITIZEN_WORDS_MODERATED": False,
}


def setting(name: str):
    return (getattr(settings, "GRIDGOV", None) or {}).get(name, DEFAULTS[name])
