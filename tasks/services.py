"""Every write of the tasks app: the admission list, tasks sent to grids, assignments, results, reviews.

Each function checks everything before it writes, then writes in one transaction: a refused request leaves
nothing behind (except the record of an admission refusal, which is the point of it).
"""

import datetime
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.extra_fields import DATATYPES, clean_extra
from cases.media import process_image
from cases.models import Category
from cases.services import case_report
from gridgov.stored_files import file_written, files_removed_on_failure
from grids.models import CODE_LENGTH, Area, Department, Level, Membership, Role
from grids.scope import reach
from residents.models import Building, GroupTag, PersonTag, Place
from worktime.calendar import day_kind, is_working_day
from worktime.calendar.schedule import local

from . import admission
from .models import (
    AdmissionItem,
    AdmissionList,
    AdmissionRefusal,
    Assignment,
    CategoryAdmission,
    GridAction,
    ResultPhoto,
    Target,
    TargetKind,
    Task,
    TaskAttachment,
    TaskEvent,
    TaskEventKind,
    TaskResult,
)

GRID_LEN = CODE_LENGTH[Level.GRID]
SENDER_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
TEAM_ROLES = (Role.GRID_LEADER, Role.GRID_WORKER)
LEAD_ROLES = (Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
MAX_FIELDS = 40
BATCH = 5000


def _superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _event(task, kind, *, actor=None, assignment=None, comment="", payload=None, at=None) -> TaskEvent:
    return TaskEvent(
        task_id=task.pk if hasattr(task, "pk") else task,
        assignment_id=getattr(assignment, "pk", assignment),
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        at=at or timezone.now(),
        comment=comment,
        payload=payload or {},
    )


# --- The admission list ---------------------------------------------------------------------------


def admission_list_publish(
    *, actor, version: int, title: str, approved_by: str, approved_on, effective_from, items: list[dict]
) -> AdmissionList:
    """A new version of the list, approved by the district and in force from ``effective_from``; earlier
    versions stay. ``items``: dicts of code, name, item_class, department (code or None), basis, grid_action,
    frequency, workers_assignable."""
    if not (_superuser(actor) or reach(actor).codes([Role.DISTRICT_CENTRE])):
        raise PermissionDenied(_("Only the district centre publishes the admission list."))
    errors: dict = {}
    if AdmissionList.objects.filter(version=version).exists():
        errors["version"] = [_("This version already exists; earlier versions are kept as they are.")]
    if AdmissionList.objects.filter(effective_from=effective_from).exists():
        errors["effective_from"] = [_("Another version takes effect on this day.")]
    if not (title or "").strip():
        errors["title"] = [_("This field is required.")]
    if not (approved_by or "").strip():
        errors["approved_by"] = [_("Name who approved the list.")]
    if not items:
        errors["items"] = [_("A list needs at least one item.")]
    departments = dict(Department.objects.values_list("code", "pk"))
    rows, seen = [], set()
    for i, raw in enumerate(items or []):
        problems = []
        code = str(raw.get("code") or "").strip()
        if not code or code in seen:
            problems.append(_("Each item needs a code of its own."))
        seen.add(code)
        for name in ("name", "item_class", "basis"):
            if not str(raw.get(name) or "").strip():
                problems.append(_("“%(field)s” is required.") % {"field": name})
        if raw.get("grid_action") not in GridAction.values:
            problems.append(_("Choose what the grid does: patrol, collect, report or assist."))
        department = raw.get("department")
        if department and department not in departments:
            problems.append(_("No department with the code “%(code)s”.") % {"code": department})
        if problems:
            errors[f"items.{i}"] = problems
            continue
        rows.append(
            AdmissionItem(
                code=code,
                name=raw["name"].strip()[:100],
                item_class=raw["item_class"].strip()[:64],
                department_id=departments.get(department) if department else None,
                basis=raw["basis"].strip(),
                grid_action=raw["grid_action"],
                frequency=str(raw.get("frequency") or "")[:64],
                workers_assignable=bool(raw.get("workers_assignable", True)),
            )
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        listed = AdmissionList.objects.create(
            version=version,
            title=title.strip(),
            approved_by=approved_by.strip(),
            approved_on=approved_on,
            effective_from=effective_from,
        )
        for row in rows:
            row.admission_list = listed
        AdmissionItem.objects.bulk_create(rows)
        admission.forget()
    return listed


def category_admit(*, actor, category: Category, item_code: str) -> CategoryAdmission:
    """Name the admitted item a case category stands for (so it may be dispatched to a grid team)."""
    if not (_superuser(actor) or reach(actor).codes([Role.DISTRICT_CENTRE])):
        raise PermissionDenied(_("Only the district centre maps categories to admitted items."))
    current = admission.list_in_force()
    if current is None or not current.items.filter(code=item_code).exists():
        raise ValidationError({"item_code": [str(admission.NOT_ADMITTED)]})
    with transaction.atomic():
        row, _created = CategoryAdmission.objects.update_or_create(
            category=category, defaults={"item_code": item_code}
        )
        admission.forget()
    return row


# --- Tasks ----------------------------------------------------------------------------------------


def fields_check(fields) -> tuple[list, list]:
    """(cleaned form fields, messages): Open311 attribute shapes, as categories define their extra fields."""
    if fields in (None, ""):
        return [], []
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        return [], [_("The form is a list of at most %(n)d fields.") % {"n": MAX_FIELDS}]
    cleaned, problems, codes = [], [], set()
    for i, spec in enumerate(fields, 1):
        if not isinstance(spec, dict):
            problems.append(_("Field %(i)d is not a field.") % {"i": i})
            continue
        code, label = str(spec.get("code") or "").strip(), str(spec.get("label") or "").strip()
        kind = spec.get("datatype", "string")
        if not code or code in codes or not label:
            problems.append(_("Field %(i)d needs a code of its own and a label.") % {"i": i})
        elif kind not in DATATYPES:
            problems.append(_("Field %(i)d has an unknown type.") % {"i": i})
        else:
            values = [
                {"key": str(v.get("key")), "name": str(v.get("name") or v.get("key"))}
                for v in spec.get("values") or []
                if isinstance(v, dict) and v.get("key") not in (None, "")
            ]
            if kind.endswith("valuelist") and not values:
                problems.append(_("Field %(i)d lists no values to choose from.") % {"i": i})
            cleaned.append(
                {
                    "code": code[:40],
                    "label": label[:100],
                    "datatype": kind,
                    "required": bool(spec.get("required")),
                    "values": values,
                    "description": str(spec.get("description") or "")[:200],
                }
            )
        codes.add(code)
    return cleaned, problems


def deadline_refusal(deadline: datetime.datetime) -> str | None:
    """A deadline must fall on a working day of the calendar (worktime)."""
    day = local(deadline).date()
    if is_working_day(day):
        return None
    kind, name = day_kind(day)
    if kind == "holiday":
        return _("The deadline %(day)s falls on a holiday (%(name)s); choose a working day.") % {
            "day": day.isoformat(),
            "name": name or _("public holiday"),
        }
    return _("The deadline %(day)s falls on a rest day; choose a working day.") % {"day": day.isoformat()}


def grids_chosen(actor, selection: dict) -> list[tuple[int, str]]:
    """(id, code) of the active grids a selection names, within what the actor may send to."""
    if not isinstance(selection, dict):
        return []
    grids = Area.objects.active().filter(level=Level.GRID)
    if selection.get("subtree"):
        grids = grids.subtree(str(selection["subtree"]))
    elif selection.get("grids"):
        codes = selection["grids"]
        if not isinstance(codes, list):
            return []
        grids = grids.filter(code__in=[str(c) for c in codes])
    elif selection.get("kind") or selection.get("purpose"):
        if selection.get("kind"):
            grids = grids.filter(kind=str(selection["kind"]))
        if selection.get("purpose"):
            grids = grids.filter(purpose=str(selection["purpose"]))
        if selection.get("within"):
            grids = grids.subtree(str(selection["within"]))
    else:
        return []
    rows = list(grids.order_by("code").values_list("pk", "code"))
    if _superuser(actor):
        return rows
    r = reach(actor)
    roots = r.codes(SENDER_ROLES) + list(r.department_area_codes)
    return [(pk, code) for pk, code in rows if any(code.startswith(root) for root in roots)]


def _sender_area(actor):
    """The actor's sending unit: the highest area they hold a staff role in."""
    codes = reach(actor).codes(SENDER_ROLES)
    if not codes:
        return None
    return Area.objects.filter(code=min(codes, key=len)).first()


def _targets_insert(task, kind, tag) -> int:
    """Insert the task's target objects in one ``INSERT … SELECT``: every building, place or person with
    the tag whose grid (a micro-grid counts for its grid: the first 15 digits of its code) has an
    assignment of this task; then set each assignment's count in one ``UPDATE``. Nothing passes through
    Python, so 100,000 objects cost what the database needs to copy them. Returns how many."""
    if not kind:
        return 0
    q = connection.ops.quote_name
    area, assignment, target = Area._meta.db_table, Assignment._meta.db_table, Target._meta.db_table
    if kind == TargetKind.PERSON:
        source, label, extra = (
            f"{q(PersonTag._meta.db_table)} o JOIN {q(GroupTag._meta.db_table)} g ON g.id = o.tag_id",
            "g.name || ' · #' || o.person_id",
            "AND o.tag_id = %s AND o.ended_on IS NULL",
        )
        object_id, params = "o.person_id", [tag.pk]
    else:
        model = Building if kind == TargetKind.BUILDING else Place
        source, label, extra, object_id, params = f"{q(model._meta.db_table)} o", "o.name", "", "o.id", []
    sql = (
        f"INSERT INTO {q(target)} (task_id, assignment_id, kind, object_id, label) "
        f"SELECT %s, a.id, %s, {object_id}, SUBSTR({label}, 1, 200) FROM {source} "
        f"JOIN {q(area)} ar ON ar.id = o.area_id "
        f"JOIN {q(assignment)} a ON a.task_id = %s AND a.area_code = SUBSTR(ar.code, 1, {GRID_LEN}) "
        f"WHERE 1 = 1 {extra}"
    )
    # Counted through the task's assignments and the targets' (assignment, done_at) index: the targets'
    # task column has no index, so a filter on it would read every earlier campaign's targets too.
    count = (
        f"UPDATE {q(assignment)} SET targets_total = c.n FROM (SELECT t.assignment_id, COUNT(*) AS n "
        f"FROM {q(target)} t JOIN {q(assignment)} a ON a.id = t.assignment_id WHERE a.task_id = %s "
        f"GROUP BY t.assignment_id) c WHERE {q(assignment)}.id = c.assignment_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [task.pk, str(kind), task.pk, *params])
        inserted = cursor.rowcount
        if inserted:
            cursor.execute(count, [task.pk])
    return inserted


def task_create(
    *,
    actor,
    title: str,
    item: AdmissionItem | None,
    selection: dict,
    starts_at: datetime.datetime,
    deadline: datetime.datetime,
    instructions: str = "",
    fields=None,
    target_kind: str = "",
    target_tag: GroupTag | None = None,
    department: Department | None = None,
    files=(),
) -> Task:
    """Send a task to many grids at once: one assignment per grid, the target objects in each grid, one
    ``created`` event. An item not on the list in force is refused and the refusal recorded."""
    r = reach(actor)
    if department is None and len(r.department_ids) == 1 and not r.codes(SENDER_ROLES):
        department = Department.objects.get(pk=next(iter(r.department_ids)))
    if not (_superuser(actor) or r.codes(SENDER_ROLES) or (department and department.pk in r.department_ids)):
        raise PermissionDenied(
            _("Only a street, a community, the centre or a department sends tasks to grids.")
        )
    refused = admission.item_refusal(item) if item is not None else str(admission.NOT_ADMITTED)
    if refused or item is None:
        # Written now, outside any transaction of ours: the refusal stays although the task is not made.
        admission.refusal_record(
            kind=AdmissionRefusal.Kind.TASK,
            subject=title or "—",
            reason=refused,
            requester=actor,
            department=department or getattr(item, "department", None),
            item_code=getattr(item, "code", ""),
        )
        raise ValidationError({"item": [refused]})
    errors: dict = {}
    if not (title or "").strip():
        errors["title"] = [_("This field is required.")]
    cleaned_fields, problems = fields_check(fields)
    if problems:
        errors["fields"] = problems
    if starts_at is None or deadline is None:
        errors["deadline"] = [_("Give a start and a deadline.")]
    elif deadline <= starts_at:
        errors["deadline"] = [_("The deadline must come after the start.")]
    elif deadline <= timezone.now():
        errors["deadline"] = [_("The deadline has already passed.")]
    else:
        refusal = deadline_refusal(deadline)
        if refusal:
            errors["deadline"] = [refusal]
    if target_kind not in TargetKind.values:
        errors["target_kind"] = [_("Choose buildings, places or persons with a tag.")]
    elif target_kind == TargetKind.PERSON and target_tag is None:
        errors["target_tag"] = [_("Choose the tag of the persons to visit.")]
    grids = grids_chosen(actor, selection)
    if not grids:
        errors["selection"] = [_("No grid you may send to matches this choice.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with files_removed_on_failure(), transaction.atomic():
        task = Task.objects.create(
            title=title.strip()[:200],
            item=item,
            instructions=instructions or "",
            fields=cleaned_fields,
            target_kind=target_kind,
            target_tag=target_tag if target_kind == TargetKind.PERSON else None,
            selection=selection,
            sender=actor,
            sender_area=_sender_area(actor),
            department=department,
            starts_at=starts_at,
            deadline=deadline,
            grids=len(grids),
            created_at=now,
        )
        for upload in files:
            attachment = TaskAttachment(task=task, name=getattr(upload, "name", "")[:200] or "file")
            attachment.file.save(attachment.name, upload, save=False)
            file_written(attachment.file)
            attachment.save()
        Assignment.objects.bulk_create(
            [Assignment(task=task, area_id=pk, area_code=code, deadline=deadline) for pk, code in grids],
            batch_size=BATCH,
        )
        task.targets = _targets_insert(task, target_kind, target_tag)
        if task.targets:
            Task.objects.filter(pk=task.pk).update(targets=task.targets)
        TaskEvent.objects.bulk_create(
            [
                _event(
                    task,
                    TaskEventKind.CREATED,
                    actor=actor,
                    at=now,
                    payload={"item": item.code, "grids": len(grids), "targets": task.targets},
                )
            ]
        )
    return task


# --- Assignments ------------------------------------------------------------------------------------


def _locked(assignment_id, version=None) -> Assignment:
    found = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("task", "task__item")
        .filter(pk=assignment_id)
        .first()
    )
    if found is None:
        raise ValidationError({"assignment": [_("No such assignment.")]})
    if version is not None and found.version != version:
        raise ValidationError(
            {"version": [_("Someone changed this assignment meanwhile; reload it and try again.")]}
        )
    return found


def _may(actor, assignment, roles) -> bool:
    return _superuser(actor) or reach(actor).covers(assignment.area_code, roles)


def _save(assignment, *fields):
    assignment.version += 1
    assignment.save(update_fields=[*fields, "version"])


def assignment_assign(*, actor, assignment_id, workers, version=None) -> Assignment:
    """The grid leader hands the grid's assignment to grid workers of the grid."""
    with transaction.atomic():
        assignment = _locked(assignment_id, version)
        if not _may(actor, assignment, LEAD_ROLES):
            raise PermissionDenied(
                _("Only the grid leader (or the community above) hands out the grid's work.")
            )
        if assignment.status == Assignment.Status.ACCEPTED:
            raise ValidationError({"__all__": [_("This assignment is already accepted.")]})
        ids = sorted({getattr(w, "pk", w) for w in workers or []})
        if not ids:
            raise ValidationError({"workers": [_("Choose at least one grid worker.")]})
        members = set(
            Membership.objects.filter(
                user_id__in=ids,
                role__in=TEAM_ROLES,
                is_active=True,
                area__code__startswith=assignment.area_code,
            ).values_list("user_id", flat=True)
        )
        strangers = [i for i in ids if i not in members]
        if strangers:
            raise ValidationError({"workers": [_("Only grid workers of this grid can be given its work.")]})
        assignment.workers.set(ids)
        _save(assignment)
        TaskEvent.objects.bulk_create(
            [
                _event(
                    assignment.task,
                    TaskEventKind.ASSIGNED,
                    actor=actor,
                    assignment=assignment,
                    payload={"workers": ids},
                )
            ]
        )
    return assignment


def result_record(
    *,
    actor,
    assignment_id,
    values: dict,
    target_id=None,
    note: str = "",
    lat=None,
    lon=None,
    photos=(),
    finding: dict | None = None,
) -> TaskResult:
    """A worker's form for one target object (or for the grid); a ``finding`` ({category, title,
    description}) raises a case in the same step, linked both ways."""
    with files_removed_on_failure(), transaction.atomic():
        assignment = _locked(assignment_id)
        if not _may(actor, assignment, TEAM_ROLES):
            raise PermissionDenied(_("Only the grid's workers fill its forms."))
        if assignment.status in (Assignment.Status.SUBMITTED, Assignment.Status.ACCEPTED):
            raise ValidationError({"__all__": [_("This assignment is with the sender for review.")]})
        task = assignment.task
        if not isinstance(values, dict):
            raise ValidationError({"values": [_("Answer the form's fields.")]})
        cleaned, errors = clean_extra(SimpleNamespace(fields=task.fields), values)
        errors = {f"values.{code}": messages for code, messages in errors.items()}
        target = None
        if target_id is not None:
            target = Target.objects.filter(pk=target_id, assignment=assignment).first()
            if target is None:
                errors["target"] = [_("This object is not part of this grid's assignment.")]
            elif target.done_at is not None:
                errors["target"] = [_("This object is already done.")]
        elif assignment.targets_total:
            errors["target"] = [_("Choose the object this form is for.")]
        if (lat is None) != (lon is None):
            errors["location"] = [_("Give both coordinates or none.")]
        if finding is not None and not isinstance(finding, dict):
            errors["finding"] = [_("Describe the finding.")]
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        case = None
        if finding:
            case = _finding_report(actor, assignment, finding, lat, lon, photos)
        result = TaskResult.objects.create(
            assignment=assignment,
            target=target,
            worker=actor,
            values=cleaned,
            note=note or "",
            lat=lat,
            lon=lon,
            case=case,
            created_at=now,
        )
        for upload in photos:
            _photo_store(result, upload)
        if target is not None:
            Target.objects.filter(pk=target.pk).update(done_at=now)
            assignment.targets_done = F("targets_done") + 1
        fields = ["targets_done"] if target is not None else []
        if assignment.status in (Assignment.Status.ASSIGNED, Assignment.Status.RETURNED):
            assignment.status = Assignment.Status.STARTED
            assignment.started_at = assignment.started_at or now
            fields += ["status", "started_at"]
        _save(assignment, *fields)
        assignment.refresh_from_db(fields=["targets_done"])
        events = [
            _event(
                task,
                TaskEventKind.RESULT,
                actor=actor,
                assignment=assignment,
                at=now,
                payload={"result": result.pk, "target": getattr(target, "pk", None)},
            )
        ]
        if case is not None:
            events.append(
                _event(
                    task,
                    TaskEventKind.FINDING,
                    actor=actor,
                    assignment=assignment,
                    at=now,
                    payload={"result": result.pk, "case": case.pk, "number": case.number},
                )
            )
        TaskEvent.objects.bulk_create(events)
    return result


def _photo_store(result: TaskResult, upload) -> ResultPhoto:
    """The photo without its metadata (the camera's GPS would publish where the worker stood to whoever
    opens the file); its capture time and position are read first and kept as data."""
    image = process_image(upload)
    photo = ResultPhoto(result=result, taken_at=image.taken_at)
    if image.gps:
        photo.gps_lat, photo.gps_lon = image.gps
    photo.file.save("photo.jpg", ContentFile(image.content), save=False)
    file_written(photo.file)
    photo.save()
    return photo


def _finding_report(actor, assignment, finding, lat, lon, photos):
    category = Category.objects.filter(pk=finding.get("category"), is_active=True).first()
    if category is None:
        raise ValidationError({"finding.category": [_("Choose the category of what you found.")]})
    if lat is None:
        grid = assignment.area
        lat, lon = grid.centroid_lat, grid.centroid_lon
    try:
        reported = case_report(
            actor=actor,
            category=category,
            title=str(finding.get("title") or assignment.task.title)[:200],
            description=str(finding.get("description") or ""),
            lat=lat,
            lon=lon,
            extra=finding.get("extra") or {},
            before_photos=list(photos),
        )
    except ValidationError as exc:
        raise ValidationError({f"finding.{k}": v for k, v in exc.message_dict.items()}) from None
    return reported.case


def assignment_submit(*, actor, assignment_id, version=None) -> Assignment:
    """The grid sends its finished assignment to the sender for review."""
    with transaction.atomic():
        assignment = _locked(assignment_id, version)
        if not _may(actor, assignment, TEAM_ROLES):
            raise PermissionDenied(_("Only the grid's team submits its assignment."))
        if assignment.status not in (Assignment.Status.STARTED, Assignment.Status.RETURNED):
            raise ValidationError({"__all__": [_("Fill in the forms before submitting.")]})
        if assignment.targets_done < assignment.targets_total:
            raise ValidationError(
                {
                    "__all__": [
                        _("%(left)d of %(total)d objects have no form yet.")
                        % {
                            "left": assignment.targets_total - assignment.targets_done,
                            "total": assignment.targets_total,
                        }
                    ]
                }
            )
        if not assignment.results.exists():
            raise ValidationError({"__all__": [_("Fill in the forms before submitting.")]})
        assignment.status = Assignment.Status.SUBMITTED
        assignment.submitted_at = timezone.now()
        _save(assignment, "status", "submitted_at")
        TaskEvent.objects.bulk_create(
            [_event(assignment.task, TaskEventKind.SUBMITTED, actor=actor, assignment=assignment)]
        )
    return assignment


def may_review(actor, task) -> bool:
    """Whoever sent it: the sender, the sending unit's staff, or the requesting department's handlers."""
    if _superuser(actor) or task.sender_id == actor.pk:
        return True
    r = reach(actor)
    if task.department_id and task.department_id in r.department_ids:
        return True
    return bool(task.sender_area_id) and r.covers(task.sender_area.code, SENDER_ROLES)


def assignment_review(*, actor, assignment_id, accept: bool, reason: str = "", version=None) -> Assignment:
    """The sender accepts the grid's work or sends it back with a reason."""
    with transaction.atomic():
        assignment = _locked(assignment_id, version)
        task = assignment.task
        if not may_review(actor, task):
            raise PermissionDenied(_("Only whoever sent the task reviews its completion."))
        if assignment.status != Assignment.Status.SUBMITTED:
            raise ValidationError({"__all__": [_("Only a submitted assignment can be reviewed.")]})
        reason = (reason or "").strip()
        if not accept and not reason:
            raise ValidationError({"reason": [_("Say why it goes back.")]})
        now = timezone.now()
        if accept:
            assignment.status, assignment.accepted_at = Assignment.Status.ACCEPTED, now
            _save(assignment, "status", "accepted_at")
            kind = TaskEventKind.ACCEPTED
        else:
            assignment.status, assignment.returned_reason = Assignment.Status.RETURNED, reason
            _save(assignment, "status", "returned_reason")
            kind = TaskEventKind.RETURNED
        TaskEvent.objects.bulk_create(
            [_event(task, kind, actor=actor, assignment=assignment, comment=reason, at=now)]
        )
    return assignment
