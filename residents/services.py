"""Every write to the register: keyword-only, atomic, row-locked where rows change, permission-checked.

Moves keep history in ``ResidenceChange``; unmasked looks are logged in ``PiiAccessLog``.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Category
from cases.services import case_report
from grids.models import Area, Level

from . import access, crypto, idcard
from .models import (
    Building,
    Dwelling,
    GroupTag,
    Household,
    Person,
    PersonTag,
    PiiAccessLog,
    Place,
    ResidenceChange,
    Visit,
    VisitTask,
)

PLACEABLE_LEVELS = {Level.GRID, Level.MICROGRID}
PERSON_FIELDS = {"name", "gender", "birth_date", "ethnicity", "residence_type", "relation"}


def _require_write(actor, area: Area):
    if not access.can_write(actor, area.code):
        raise PermissionDenied(_("You may not change the register of this area."))


def _require_placeable(area: Area, field="area"):
    if area.level not in PLACEABLE_LEVELS or not area.is_active:
        raise ValidationError({field: _("Register rows are placed in an active grid or micro-grid.")})


def normalize_id(id_type: str, raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    if id_type == Person.IdType.RESIDENT_ID:
        try:
            return idcard.normalize(raw)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from exc
    return raw.upper().replace(" ", "")


def normalize_phone(raw: str) -> str:
    phone = "".join(c for c in (raw or "") if c.isdigit() or c == "+")
    if phone and not (7 <= len(phone.lstrip("+")) <= 15):
        raise ValidationError({"phone": _("A phone number has 7 to 15 digits.")})
    return phone


def apply_pii(person: Person, *, id_type=None, id_number=None, phone=None) -> bool:
    """Set encrypted, hashed and masked forms on an unsaved change. Returns whether anything changed.

    Compares by keyed hash, so re-applying the same number leaves the row (and its ciphertext) untouched.
    """
    changed = False
    if id_type is not None and id_type != person.id_type:
        person.id_type, changed = id_type, True
    if id_number is not None:
        number = normalize_id(person.id_type, id_number)
        new_hash = crypto.lookup_hash("id", number)
        if new_hash != person.id_hash or changed:
            person.id_cipher, person.id_hash, person.id_mask = (
                crypto.encrypt(number),
                new_hash,
                crypto.mask_id(number),
            )
            changed = True
        if number and person.id_type == Person.IdType.RESIDENT_ID:
            derived = {"birth_date": idcard.birth_date(number), "gender": idcard.gender(number)}
            for field, value in derived.items():
                if getattr(person, field) != value:
                    setattr(person, field, value)
                    changed = True
    if phone is not None:
        number = normalize_phone(phone)
        new_hash = crypto.lookup_hash("phone", number)
        if new_hash != person.phone_hash:
            person.phone_cipher, person.phone_hash = crypto.encrypt(number), new_hash
            person.phone_mask = crypto.mask_phone(number)
            changed = True
    return changed


def _save_person(person: Person):
    try:
        with transaction.atomic():
            person.full_clean(
                exclude=["household", "area"], validate_unique=False, validate_constraints=False
            )
            person.save()
    except IntegrityError as exc:
        if Person.objects.filter(id_hash=person.id_hash).exclude(pk=person.pk).exists():
            raise ValidationError(
                {"id_number": _("A person with this ID number is already in the register.")}
            ) from exc
        raise


# --- buildings, dwellings, households, places ------------------------------------------------------


def _in_grid(model, *, actor, area: Area, existing, fields: dict):
    """A building or place, new or locked for change, put in ``area`` with ``fields`` set (not yet saved).

    The actor must reach both the area it moves to and, for a change, the area it is in now."""
    _require_placeable(area)
    _require_write(actor, area)
    if existing is None:
        row = model()
    else:
        row = model.objects.select_for_update().get(pk=existing.pk)
        _require_write(actor, row.area)
    row.area = area
    for key, value in fields.items():
        setattr(row, key, value)
    return row


@transaction.atomic
def building_save(*, actor, area: Area, building: Building | None = None, **fields) -> Building:
    building = _in_grid(Building, actor=actor, area=area, existing=building, fields=fields)
    building.full_clean()
    building.save()
    Dwelling.objects.filter(building=building).exclude(area=area).update(area=area)
    return building


@transaction.atomic
def dwelling_save(
    *,
    actor,
    building: Building,
    unit="",
    room,
    use=Dwelling.Use.OWNER_OCCUPIED,
    floor_area=None,
    dwelling: Dwelling | None = None,
) -> Dwelling:
    _require_write(actor, building.area)
    dwelling = dwelling or Dwelling()
    dwelling.building, dwelling.area = building, building.area
    dwelling.unit, dwelling.room, dwelling.use, dwelling.floor_area = unit, room, use, floor_area
    dwelling.full_clean()
    dwelling.save()
    return dwelling


def dwelling_address(dwelling: Dwelling) -> str:
    building = dwelling.building
    # The address is data, kept as a Chinese address whatever language the writer's page was in.
    unit = f"{dwelling.unit}单元" if dwelling.unit else ""
    return f"{building.address or building.name} {unit}{dwelling.room}".strip()


@transaction.atomic
def household_register(
    *, actor, number: str, area: Area | None = None, dwelling: Dwelling | None = None, address: str = ""
) -> Household:
    area = area or (dwelling.area if dwelling else None)
    if area is None:
        raise ValidationError({"area": _("Give the grid or the dwelling of the household.")})
    _require_placeable(area)
    _require_write(actor, area)
    if dwelling is not None and dwelling.area_id != area.id:
        raise ValidationError({"dwelling": _("The dwelling lies in another grid.")})
    household = Household(
        area=area,
        dwelling=dwelling,
        number=number.strip(),
        address=address or (dwelling_address(dwelling) if dwelling else ""),
    )
    household.full_clean()
    household.save()
    return household


@transaction.atomic
def household_move(
    *,
    actor,
    household: Household,
    dwelling: Dwelling | None = None,
    area: Area | None = None,
    address: str = "",
    on: dt.date | None = None,
    reason: str = "",
) -> Household:
    """Move a household (and its residents) to another dwelling or grid, keeping the history."""
    household = Household.objects.select_for_update().select_related("area").get(pk=household.pk)
    _require_write(actor, household.area)
    target = area or (dwelling.area if dwelling else household.area)
    _require_placeable(target)
    _require_write(actor, target)
    ResidenceChange.objects.create(
        kind=ResidenceChange.Kind.HOUSEHOLD,
        household=household,
        from_area=household.area,
        to_area=target,
        from_address=household.address,
        happened_on=on or timezone.localdate(),
        reason=reason,
        actor=actor,
        to_address=address or (dwelling_address(dwelling) if dwelling else household.address),
    )
    household.area, household.dwelling = target, dwelling
    household.address = address or (dwelling_address(dwelling) if dwelling else household.address)
    household.save()
    Person.objects.filter(household=household).update(area=target)
    PersonTag.objects.filter(person__household=household).update(area=target)
    VisitTask.objects.filter(person__household=household, status=VisitTask.Status.OPEN).update(area=target)
    return household


@transaction.atomic
def place_save(*, actor, area: Area, place: Place | None = None, contact_phone=None, **fields) -> Place:
    place = _in_grid(Place, actor=actor, area=area, existing=place, fields=fields)
    if contact_phone is not None:
        phone = normalize_phone(contact_phone)
        place.contact_phone_cipher, place.contact_phone_mask = crypto.encrypt(phone), crypto.mask_phone(phone)
    place.full_clean()
    place.save()
    return place


# --- persons -------------------------------------------------------------------------------------------


@transaction.atomic
def person_register(
    *,
    actor,
    name: str,
    household: Household | None = None,
    area: Area | None = None,
    id_type=Person.IdType.RESIDENT_ID,
    id_number="",
    phone="",
    **fields,
) -> Person:
    area = household.area if household is not None else area
    if area is None:
        raise ValidationError({"household": _("Give the household or the grid of the person.")})
    _require_placeable(area)
    _require_write(actor, area)
    person = Person(area=area, household=household, name=name.strip(), id_type=id_type)
    for key, value in fields.items():
        if key not in PERSON_FIELDS:
            raise ValidationError({key: _("Unknown field.")})
        setattr(person, key, value)
    apply_pii(person, id_number=id_number, phone=phone)
    _save_person(person)
    return person


@transaction.atomic
def person_update(*, actor, person: Person, id_type=None, id_number=None, phone=None, **fields) -> Person:
    person = Person.objects.select_for_update().select_related("area").get(pk=person.pk)
    _require_write(actor, person.area)
    for key, value in fields.items():
        if key not in PERSON_FIELDS:
            raise ValidationError({key: _("Unknown field.")})
        setattr(person, key, value)
    apply_pii(person, id_type=id_type, id_number=id_number, phone=phone)
    _save_person(person)
    return person


@transaction.atomic
def person_move(*, actor, person: Person, household: Household, relation=None, on=None, reason="") -> Person:
    """Move a person into another household (possibly in another grid), keeping the history."""
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("area", "household").get(pk=person.pk)
    )
    _require_write(actor, person.area)
    _require_write(actor, household.area)
    ResidenceChange.objects.create(
        kind=ResidenceChange.Kind.PERSON,
        person=person,
        from_area=person.area,
        to_area=household.area,
        from_household=person.household,
        to_household=household,
        happened_on=on or timezone.localdate(),
        from_address=person.household.address if person.household else "",
        to_address=household.address,
        reason=reason,
        actor=actor,
    )
    person.household, person.area = household, household.area
    if relation:
        person.relation = relation
    person.save()
    PersonTag.objects.filter(person=person).update(area=household.area)
    VisitTask.objects.filter(person=person, status=VisitTask.Status.OPEN).update(area=household.area)
    return person


@transaction.atomic
def person_leave(*, actor, person: Person, status: str, on: dt.date, reason="") -> Person:
    """Record that a person moved out of the district or died. The row stays; open follow-ups end."""
    if status not in (Person.Status.MOVED_OUT, Person.Status.DECEASED):
        raise ValidationError({"status": _("A person leaves the register by moving out or by death.")})
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("area", "household").get(pk=person.pk)
    )
    _require_write(actor, person.area)
    person.status = status
    person.moved_out_on = on if status == Person.Status.MOVED_OUT else person.moved_out_on
    person.deceased_on = on if status == Person.Status.DECEASED else person.deceased_on
    person.save()
    kind = (
        ResidenceChange.Kind.MOVED_OUT if status == Person.Status.MOVED_OUT else ResidenceChange.Kind.DECEASED
    )
    ResidenceChange.objects.create(
        kind=kind,
        person=person,
        from_area=person.area,
        happened_on=on,
        reason=reason,
        from_household=person.household,
        actor=actor,
    )
    PersonTag.objects.filter(person=person, ended_on__isnull=True).update(ended_on=on)
    VisitTask.objects.filter(person=person, status=VisitTask.Status.OPEN).update(
        status=VisitTask.Status.CANCELLED, closed_at=timezone.now()
    )
    return person


@transaction.atomic
def tag_assign(*, actor, person: Person, tag: GroupTag, since: dt.date | None = None, note="") -> PersonTag:
    _require_write(actor, person.area)
    if tag.is_sensitive and not access.can_see_sensitive(actor, person.area.code):
        raise PermissionDenied(_("You may not assign special-management groups."))
    link = PersonTag.objects.filter(person=person, tag=tag, ended_on__isnull=True).first()
    if link:
        return link
    return PersonTag.objects.create(
        person=person,
        tag=tag,
        area=person.area,
        started_on=since or timezone.localdate(),
        note=note,
        added_by=actor,
    )


@transaction.atomic
def tag_end(*, actor, link: PersonTag, on: dt.date | None = None) -> PersonTag:
    link = PersonTag.objects.select_for_update().select_related("tag", "area").get(pk=link.pk)
    _require_write(actor, link.area)
    if link.tag.is_sensitive and not access.can_see_sensitive(actor, link.area.code):
        raise PermissionDenied(_("You may not change special-management groups."))
    if link.ended_on is None:
        link.ended_on = on or timezone.localdate()
        link.save(update_fields=["ended_on"])
        VisitTask.objects.filter(person_id=link.person_id, tag=link.tag, status=VisitTask.Status.OPEN).update(
            status=VisitTask.Status.CANCELLED, closed_at=timezone.now()
        )
    return link


# --- personal information --------------------------------------------------------------------------------

REVEALABLE = {"id_number", "phone", "birth_date"}  # the birth date is the ID number's middle 8 digits


@transaction.atomic
def pii_reveal(*, actor, person: Person, fields, reason: str, remote_addr=None) -> dict:
    """Full ID and/or phone number of one person, for a stated reason; the look is logged first."""
    fields = sorted(set(fields or REVEALABLE))
    if not set(fields) <= REVEALABLE:
        raise ValidationError({"fields": _("Only the ID number and the phone can be revealed.")})
    if len((reason or "").strip()) < 4:
        raise ValidationError({"reason": _("State why you need to see the full number.")})
    if not access.can_unmask(actor, person.area.code):
        raise PermissionDenied(_("You may not see full personal numbers."))
    PiiAccessLog.objects.create(
        actor=actor,
        action=PiiAccessLog.Action.REVEAL,
        person=person,
        area_code=person.area.code,
        fields=fields,
        reason=reason.strip(),
        remote_addr=remote_addr,
    )
    values = {
        "id_number": crypto.decrypt(person.id_cipher),
        "phone": crypto.decrypt(person.phone_cipher),
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
    }
    return {field: values[field] for field in fields}


def export_log(*, actor, area: Area, count: int, fields, unmasked: bool, reason: str, remote_addr=None):
    action = PiiAccessLog.Action.EXPORT_UNMASKED if unmasked else PiiAccessLog.Action.EXPORT
    return PiiAccessLog.objects.create(
        actor=actor,
        action=action,
        area_code=area.code,
        fields=list(fields),
        subject_count=count,
        reason=reason.strip(),
        remote_addr=remote_addr,
    )


# --- visits ----------------------------------------------------------------------------------------------

CASE_FIELDS = {"title", "description", "category", "lat", "lon", "address", "urgency"}


def _visit_target(household, person, place):
    if person is not None:
        household = household or person.household
        if household is not None and person.household_id != household.id:
            raise ValidationError({"person": _("The person does not live in this household.")})
        return household, person.area
    if household is not None:
        return household, household.area
    if place is not None:
        return None, place.area
    raise ValidationError({"household": _("A visit is to a household, a person or a place.")})


@transaction.atomic
def visit_record(
    *,
    actor,
    household: Household | None = None,
    person: Person | None = None,
    place: Place | None = None,
    visited_at=None,
    method=Visit.Method.DOOR,
    notes="",
    findings="",
    lat=None,
    lon=None,
    raise_case: dict | None = None,
) -> Visit:
    """Record a visit; closes the person's open follow-up; a finding can raise a case in the same step.

    ``raise_case`` holds the case's title, description and category (and optionally lat, lon, address);
    the case is reported through ``cases.services.case_report`` with source "visit", inside
    this transaction, so a visit never points at a case that was not written.
    """
    household, area = _visit_target(household, person, place)
    _require_write(actor, area)
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"visited_at": _("A visit cannot be in the future.")})
    visit = Visit.objects.create(
        area=area,
        household=household,
        person=person,
        place=place,
        visitor=actor,
        visited_at=visited_at,
        method=method,
        notes=notes,
        findings=findings,
        lat=lat,
        lon=lon,
    )
    if person is not None:
        VisitTask.objects.filter(person=person, status=VisitTask.Status.OPEN).update(
            status=VisitTask.Status.DONE, visit=visit, closed_at=now
        )
    if raise_case:
        visit.case_id = _raise_case(actor=actor, visit=visit, area=area, spec=raise_case).pk
        visit.save(update_fields=["case_id"])
    return visit


def _raise_case(*, actor, visit: Visit, area: Area, spec: dict):
    unknown = set(spec) - CASE_FIELDS
    if unknown or not spec.get("title") or not spec.get("category"):
        raise ValidationError({"raise_case": _("A case needs a title and a category.")})
    category = spec["category"]
    if not isinstance(category, Category):
        category = Category.objects.filter(code=category, is_active=True).first()
        if category is None:
            raise ValidationError({"raise_case": _("Unknown case category.")})
    address = spec.get("address") or (visit.household.address if visit.household else "")
    if not address and visit.place is not None:
        address = visit.place.address
    extra = {"urgency": spec["urgency"]} if spec.get("urgency") else {}
    result = case_report(
        actor=actor,
        source="visit",
        title=spec["title"],
        description=spec.get("description") or visit.findings,
        category=category,
        lat=spec.get("lat", visit.lat),
        lon=spec.get("lon", visit.lon),
        address=address,
        area=area,
        **extra,
    )
    return getattr(result, "case", result)


# --- collecting on the phone (入户采集) ------------------------------------------------------------------


def _dwelling_at(*, actor, building: Building, unit: str, room: str) -> Dwelling:
    """The dwelling at building/unit/room, added when the room is new to the register."""
    found = Dwelling.objects.filter(building=building, unit=unit.strip(), room=room.strip()).first()
    return found or dwelling_save(actor=actor, building=building, unit=unit.strip(), room=room.strip())


@transaction.atomic
def household_settle(
    *, actor, number: str, area: Area | None = None, building=None, unit="", room="", address=""
) -> Household:
    """Register a household at a room of a building (the dwelling is added if new) or at an address in a grid:
    one step on the phone, all or nothing."""
    if building is None:
        return household_register(actor=actor, number=number, area=area, address=address)
    dwelling = _dwelling_at(actor=actor, building=building, unit=unit, room=room)
    return household_register(actor=actor, number=number, dwelling=dwelling, address=address)


@transaction.atomic
def household_resettle(
    *,
    actor,
    household: Household,
    area: Area | None = None,
    building=None,
    unit="",
    room="",
    address="",
    on: dt.date | None = None,
    reason: str = "",
) -> Household:
    """Move a household to a room of a building (added if new) or to an address in a grid, with history."""
    dwelling = None
    if building is not None:
        _require_write(actor, household.area)
        dwelling = _dwelling_at(actor=actor, building=building, unit=unit, room=room)
    return household_move(
        actor=actor,
        household=household,
        dwelling=dwelling,
        area=area if dwelling is None else None,
        address=address,
        on=on,
        reason=reason,
    )


# --- After a grid adjustment -------------------------------------------------------------------------


def buildings_rehome(*, moves: dict, from_area_ids, at=None) -> int:
    """Buildings follow their points to another grid after a grid adjustment (``command.rehoming``), in the
    caller's transaction. ``moves``: {target area id: [building ids]}. Each building carries its dwellings,
    households, residents, their tags and open visit tasks where these are still on a grid it leaves
    (``from_area_ids``): a row registered elsewhere stays. One UPDATE per table and target area."""
    at = at or timezone.now()
    moved = 0
    old = {"area_id__in": list(from_area_ids)}
    inside = "household__dwelling__building_id__in"
    for area_id, ids in moves.items():
        moved += Building.objects.filter(pk__in=ids).update(area_id=area_id, updated_at=at)
        Dwelling.objects.filter(building_id__in=ids, **old).update(area_id=area_id)
        Household.objects.filter(dwelling__building_id__in=ids, **old).update(area_id=area_id, updated_at=at)
        Person.objects.filter(**{inside: ids}, **old).update(area_id=area_id, updated_at=at)
        PersonTag.objects.filter(**{f"person__{inside}": ids}, **old).update(area_id=area_id)
        VisitTask.objects.filter(**{f"person__{inside}": ids}, **old, status=VisitTask.Status.OPEN).update(
            area_id=area_id
        )
    return moved


def places_rehome(*, moves: dict, at=None) -> int:
    """Places follow their points to another grid (``moves``: {target area id: [place ids]})."""
    at = at or timezone.now()
    return sum(
        Place.objects.filter(pk__in=ids).update(area_id=area_id, updated_at=at)
        for area_id, ids in moves.items()
    )
