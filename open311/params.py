"""Reading GeoReport parameters: an empty parameter is an absent one, and every problem is a 400 description.

The specification: "the response should be the same whether a parameter is passed and is empty or is not
passed at all".
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from cases.models import Category
from residents.models import Building

from .conf import setting
from .render import Open311Error

MAX_WINDOW = timedelta(days=90)
MAX_IDS = 1000
DESCRIPTION_LIMIT = 4000


def value(params, name: str) -> str | None:
    raw = params.get(name)
    raw = raw.strip() if isinstance(raw, str) else raw
    return raw or None


def listed(params, name: str) -> list[str]:
    """A comma-delimited parameter (``service_code=01001,01002``) as a list without blanks."""
    return [part.strip() for part in (value(params, name) or "").split(",") if part.strip()]


def check_jurisdiction(params) -> None:
    """One jurisdiction is served: jurisdiction_id may be left out; another one is not found here."""
    given = value(params, "jurisdiction_id")
    if given is not None and given != setting("OPEN311_JURISDICTION"):
        raise Open311Error(404, _("jurisdiction_id provided was not found: %(id)s") % {"id": given})


def w3_datetime(params, name: str) -> datetime | None:
    raw = value(params, name)
    if raw is None:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        day = parse_date(raw) if len(raw) == 10 else None
        if day is None:
            raise Open311Error(
                400, _("%(name)s must be a w3 datetime, e.g. 2026-11-23T09:30:00+08:00.") % {"name": name}
            )
        moment = datetime.combine(day, time.min)
    # The specification requires an offset; one left out is read as the jurisdiction's own time.
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def date_window(params, *, now=None) -> tuple[datetime, datetime | None]:
    """start_date / end_date: at most 90 days; one bound alone spans 90 days; neither means the last 90."""
    start, end = w3_datetime(params, "start_date"), w3_datetime(params, "end_date")
    if start and end:
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > MAX_WINDOW:
            raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
        return start, end
    if start:
        return start, start + MAX_WINDOW
    if end:
        return end - MAX_WINDOW, end
    return (now or timezone.now()) - MAX_WINDOW, None


@dataclass
class RequestQuery:
    ids: list[str] | None = None
    codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)


def request_query(params) -> RequestQuery:
    """GET requests: service_request_id overrides every other argument (they are not even read)."""
    ids = listed(params, "service_request_id")
    if ids:
        return RequestQuery(ids=ids[:MAX_IDS])
    statuses = listed(params, "status")
    unknown = [s for s in statuses if s not in ("open", "closed")]
    if unknown:
        raise Open311Error(
            400,
            _("status must be open or closed (comma delimited), not %(value)s.")
            % {"value": ", ".join(unknown)},
        )
    start, end = date_window(params)
    return RequestQuery(codes=listed(params, "service_code"), start=start, end=end, statuses=statuses)


def updates_query(params) -> RequestQuery:
    ids = listed(params, "service_request_id")
    start, end = date_window(params)
    return RequestQuery(ids=ids[:MAX_IDS] or None, start=start, end=end)


# --- POST requests -----------------------------------------------------------------------------------

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


@dataclass
class SubmittedRequest:
    category: Category
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    address_id: str = ""
    area: object = None  # the grid of the building named by address_id, when there are no coordinates
    attributes: dict = field(default_factory=dict)
    reporter_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_urls: list[str] = field(default_factory=list)
    photos: list = field(default_factory=list)

    @property
    def title(self) -> str:
        first_line = self.description.strip().splitlines()[0] if self.description.strip() else ""
        return (first_line[:60] + ("…" if len(first_line) > 60 else "")) if first_line else self.category.name


def submitted_request(post, files, category_for_code) -> SubmittedRequest:
    """Read and check a POST; ``category_for_code`` finds an offered service (None when there is none)."""
    code = value(post, "service_code")
    if code is None:
        raise Open311Error(400, _("service_code was not provided."))
    category = category_for_code(code)
    if category is None:
        raise Open311Error(404, _("service_code provided was not found: %(code)s") % {"code": code})
    errors = []
    submitted = SubmittedRequest(category=category, attributes=_attributes(post, category))
    _read_location(post, submitted, errors)
    _read_person(post, submitted, errors)
    submitted.description = value(post, "description") or ""
    if len(submitted.description) > DESCRIPTION_LIMIT:
        errors.append(_("description is limited to 4,000 characters."))
    for url in post.getlist("media_url"):
        url = url.strip()
        if url and not _valid_url(url):
            errors.append(_("media_url is not a valid http or https URL."))
        elif url:
            submitted.media_urls.append(url)
    submitted.photos = files.getlist("media")
    if errors:
        raise Open311Error(400, *errors)
    return submitted


def _read_location(post, submitted, errors):
    lat, lon = value(post, "lat"), value(post, "long")
    submitted.address = (value(post, "address_string") or "")[:200]
    submitted.address_id = (value(post, "address_id") or "")[:100]
    if (lat is None) != (lon is None):
        errors.append(_("lat and long must be sent together."))
    elif lat is not None:
        try:
            submitted.lat, submitted.lon = float(lat), float(lon)
        except ValueError:
            errors.append(_("lat and long must be numbers (WGS 84 degrees)."))
            return
        if not (-90 <= submitted.lat <= 90 and -180 <= submitted.lon <= 180):
            errors.append(_("lat must be within ±90 and long within ±180."))
        return
    if not (submitted.address or submitted.address_id):
        errors.append(_("A location is required: lat and long, address_string or address_id."))
        return
    _locate_by_address(submitted, errors)


def _locate_by_address(submitted, errors):
    """Without coordinates, the building register is the master address repository: address_id is a
    building code, and an address_string must match a registered building's address exactly."""
    buildings = Building.objects.select_related("area")
    building = (
        buildings.filter(code=submitted.address_id).first()
        if submitted.address_id
        else buildings.filter(address=submitted.address).first()
    )
    if building is None:
        errors.append(
            _("This address cannot be placed in a grid; send lat and long with it.")
            if not submitted.address_id
            else _("address_id provided was not found: %(id)s") % {"id": submitted.address_id}
        )
        return
    submitted.area = building.area
    submitted.lat, submitted.lon = building.lat, building.lon
    submitted.address = submitted.address or building.address


def _read_person(post, submitted, errors):
    first, last = value(post, "first_name") or "", value(post, "last_name") or ""
    # Chinese names read family name first, without a space; others "given family".
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in first + last)
    submitted.reporter_name = (last + first if cjk else f"{first} {last}".strip())[:64]
    submitted.phone = (value(post, "phone") or "")[:32]
    submitted.device_id = (value(post, "device_id") or "")[:100]
    submitted.account_id = (value(post, "account_id") or "")[:100]
    email = value(post, "email") or ""
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            errors.append(_("email is not a valid e-mail address."))
    submitted.email = email


def _valid_url(url: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return len(url) <= 1000


def _attributes(post, category) -> dict:
    """attribute[code]=value, attribute[code][]=v1&attribute[code][]=v2 for multivaluelists."""
    kinds = {f["code"]: f.get("datatype", "string") for f in category.fields or []}
    found = {}
    for key in post:
        match = ATTRIBUTE_KEY.match(key)
        if not match:
            continue
        code = match.group(1)
        values = [v.strip() for v in post.getlist(key) if v.strip()]
        if kinds.get(code) == "multivaluelist":
            found.setdefault(code, []).extend(values)
        elif values:
            found[code] = _date_of(values[-1]) if kinds.get(code) == "date" else values[-1]
    return found


def _date_of(raw: str) -> str:
    # Open311 has no date type: clients send our date fields as datetimes; the local date is what counts.
    try:
        moment = parse_datetime(raw) if len(raw) > 10 else None
    except ValueError:
        moment = None
    if moment is None:
        return raw
    return (timezone.localtime(moment) if timezone.is_aware(moment) else moment).date().isoformat()
