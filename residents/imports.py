"""Import of households and persons from .xlsx or CSV (one row per person).

Two passes. The first validates every row without writing (shape, check digit, known building and grid,
duplicates in the file, consistent households) and reports errors with the row number as the
spreadsheet shows it. The second upserts the valid rows by the ID number's keyed hash, in chunks: each
chunk is one transaction, so a crash leaves whole rows only, never half of one, and running the same
file again finishes the job without changing what is already there (rows compare equal → unchanged).
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from grids.models import Area

from . import access, crypto, services
from .models import Building, Dwelling, GroupTag, Household, ImportJob, Person, PersonTag, ResidenceChange

CHUNK_ROWS = 200
MAX_ROWS = 100_000

# key, template header (Chinese, as staff fill it in), required
COLUMNS = [
    ("household_number", "户号", True),
    ("grid", "网格编码", False),
    ("building", "楼栋编码", False),
    ("unit", "单元", False),
    ("room", "房号", False),
    ("address", "地址", False),
    ("name", "姓名", True),
    ("id_type", "证件类型", False),
    ("id_number", "证件号码", True),
    ("relation", "与户主关系", False),
    ("residence_type", "人口类型", False),
    ("ethnicity", "民族", False),
    ("phone", "联系电话", False),
    ("tags", "人员类别", False),
]
HEADER_TO_KEY = {h: k for k, h, _r in COLUMNS} | {k: k for k, _h, _r in COLUMNS}
EXAMPLE = [
    "4301040010010010001",
    "430104001001001",
    "430104001001001-B01",
    "1",
    "301",
    "",
    "张三",
    "居民身份证",
    "11010519491231002X",
    "户主",
    "户籍",
    "汉族",
    "13800138000",
    "独居老人",
]


def _choice_lookup(choices, extra=None):
    table = {str(label): value for value, label in choices} | {value: value for value, _l in choices}
    return table | (extra or {})


ID_TYPES = _choice_lookup(
    Person.IdType.choices,
    {
        "居民身份证": "resident_id",
        "身份证": "resident_id",
        "护照": "passport",
        "港澳通行证": "hk_macao",
        "台胞证": "taiwan",
        "外国人永久居留身份证": "foreign_permanent",
        "其他": "other",
    },
)
RELATIONS = _choice_lookup(
    Person.Relation.choices,
    {
        "户主": "head",
        "本人": "head",
        "配偶": "spouse",
        "妻": "spouse",
        "夫": "spouse",
        "子": "child",
        "女": "child",
        "子女": "child",
        "父母": "parent",
        "父亲": "parent",
        "母亲": "parent",
        "孙子女": "grandchild",
        "祖父母": "grandparent",
        "兄弟姐妹": "sibling",
        "租户": "tenant",
        "其他": "other",
    },
)
RESIDENCE_TYPES = _choice_lookup(
    Person.ResidenceType.choices,
    {
        "户籍": "registered",
        "户籍人口": "registered",
        "流动": "floating",
        "流动人口": "floating",
        "境外": "foreign",
        "境外人员": "foreign",
    },
)


@dataclass
class Row:
    number: int
    values: dict
    id_number: str = ""
    id_hash: str = ""
    area: Area | None = None
    building: Building | None = None
    tags: list = field(default_factory=list)


class ImportFileError(Exception):
    pass


# --- template ------------------------------------------------------------------------------------------


def template_file(fmt="xlsx"):
    headers = [h for _k, h, _r in COLUMNS]
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([headers, EXAMPLE])
        return ("\ufeff" + buffer.getvalue()).encode(), "text/csv; charset=utf-8", "register-template.csv"

    book = Workbook()
    sheet = book.active
    sheet.title = "register"
    sheet.append(headers)
    sheet.append(EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # Text columns: Excel would turn an 18-digit ID into 4.30104E+17 and lose its last digits.
    for key in ("household_number", "grid", "id_number", "phone", "room", "unit"):
        letter = chr(ord("A") + [k for k, _h, _r in COLUMNS].index(key))
        for row in range(1, 5001):
            sheet[f"{letter}{row}"].number_format = "@"
        sheet.column_dimensions[letter].width = 22
    out = io.BytesIO()
    book.save(out)
    return (
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "register-template.xlsx",
    )


# --- reading -------------------------------------------------------------------------------------------


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)  # an ID number Excel turned into a float: the check will report it
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def read_rows(data: bytes, file_name: str) -> list[list[str]]:
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise ImportFileError(_("The file is not a readable .xlsx workbook.")) from exc
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    if file_name.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK."))
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    raise ImportFileError(_("Upload an .xlsx or .csv file."))


def parse(table: list[list[str]]) -> list[Row]:
    if not table:
        raise ImportFileError(_("The file is empty."))
    keys = [HEADER_TO_KEY.get(h.strip()) for h in table[0]]
    missing = [h for k, h, required in COLUMNS if required and k not in keys]
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": "、".join(missing)})
    rows = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        values = {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys) if k}
        rows.append(Row(number=index, values=values))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    return rows


# --- validation ----------------------------------------------------------------------------------------


class _Context:
    """Lookups for one import, loaded once: buildings, areas and tags in the importing area."""

    def __init__(self, actor, area: Area):
        self.actor, self.area = actor, area
        self.write_codes = list(access.write_codes(actor))
        self.buildings = {
            b.code: b
            for b in Building.objects.filter(area__code__startswith=area.code).select_related("area")
        }
        self.areas = {
            a.code: a
            for a in Area.objects.filter(
                code__startswith=area.code, is_active=True, level__in=services.PLACEABLE_LEVELS
            )
        }
        self.tags = {}
        for tag in GroupTag.objects.filter(is_active=True):
            for key in (tag.code, tag.name, tag.label, *tag.name.split("/")):
                self.tags[key] = tag

    def may_write(self, code):
        return access.covers(self.write_codes, code)


def _split_tags(text):
    for sep in ("；", "、", "，", ",", "|"):
        text = text.replace(sep, ";")
    return [t.strip() for t in text.split(";") if t.strip()]


def validate(rows: list[Row], ctx: _Context) -> tuple[list[Row], list[dict]]:
    errors, valid, seen, households = [], [], {}, {}
    for row in rows:
        problems = _validate_row(row, ctx)
        if not problems and row.id_hash in seen:
            problems.append(
                (
                    "id_number",
                    _("Duplicate in file: same ID number as row %(row)s.") % {"row": seen[row.id_hash]},
                )
            )
        if not problems:
            number = row.values["household_number"]
            signature = (
                row.area.code,
                row.building.code if row.building else "",
                row.values.get("unit", ""),
                row.values.get("room", ""),
                row.values.get("address", ""),
            )
            first = households.setdefault(number, (row.number, signature))
            if first[1] != signature:
                problems.append(
                    (
                        "household_number",
                        _("Household %(n)s has another address in row %(row)s.")
                        % {"n": number, "row": first[0]},
                    )
                )
        if problems:
            errors.extend({"row": row.number, "field": f, "message": str(m)} for f, m in problems)
        else:
            seen[row.id_hash] = row.number
            valid.append(row)
    return valid, errors


def _validate_row(row: Row, ctx: _Context) -> list[tuple[str, str]]:
    v, problems = row.values, []
    for key, header, required in COLUMNS:
        if required and not v.get(key):
            problems.append((key, _("%(column)s is required.") % {"column": header}))
    for key, table in (("id_type", ID_TYPES), ("relation", RELATIONS), ("residence_type", RESIDENCE_TYPES)):
        if v.get(key) and v[key] not in table:
            problems.append((key, _("Unknown value %(value)s.") % {"value": v[key]}))
    if problems:
        return problems
    v["id_type"] = ID_TYPES.get(v.get("id_type") or "resident_id")
    try:
        row.id_number = services.normalize_id(v["id_type"], v["id_number"])
        v["phone"] = services.normalize_phone(v.get("phone", ""))
    except ValidationError as exc:
        return [(f, m) for f, messages in exc.message_dict.items() for m in messages]
    row.id_hash = crypto.lookup_hash("id", row.id_number)
    if v.get("building"):
        row.building = ctx.buildings.get(v["building"])
        if row.building is None:
            problems.append(
                ("building", _("Unknown building %(code)s in this area.") % {"code": v["building"]})
            )
        elif not v.get("room"):
            problems.append(("room", _("A room is needed with a building.")))
    elif not v.get("address"):
        problems.append(("address", _("Give a building and room, or an address.")))
    if v.get("building") and row.building is None:
        return problems
    code = v.get("grid") or (row.building.area.code if row.building else ctx.area.code)
    row.area = ctx.areas.get(code)
    if row.area is None and not v.get("grid"):
        problems.append(("grid", _("Give the grid code of the household.")))
    elif row.area is None:
        problems.append(("grid", _("Unknown grid %(code)s in this area.") % {"code": code}))
    elif row.building and not row.building.area.code.startswith(row.area.code[:15]):
        problems.append(("grid", _("The building lies in another grid.")))
    elif not ctx.may_write(row.area.code):
        problems.append(("grid", _("You may not change the register of grid %(code)s.") % {"code": code}))
    for name in _split_tags(v.get("tags", "")):
        tag = ctx.tags.get(name)
        if tag is None or (
            tag.is_sensitive and row.area and not access.can_see_sensitive(ctx.actor, row.area.code)
        ):
            problems.append(("tags", _("Unknown group %(name)s.") % {"name": name}))
        else:
            row.tags.append(tag)
    return problems


# --- writing -------------------------------------------------------------------------------------------


def _household(row: Row, ctx: _Context, cache: dict) -> tuple[Household | None, str | None]:
    v = row.values
    dwelling = None
    if row.building:
        dwelling, _created = Dwelling.objects.get_or_create(
            building=row.building,
            unit=v.get("unit", ""),
            room=v["room"],
            defaults={"area": row.building.area},
        )
    address = v.get("address") or services.dwelling_address(dwelling)
    household = Household.objects.select_for_update().filter(number=v["household_number"]).first()
    if household is None:
        household = Household.objects.create(
            number=v["household_number"], area=row.area, dwelling=dwelling, address=address
        )
        return household, None
    if not ctx.may_write(household.area.code):
        return None, _("Household number %(n)s is registered in an area you cannot change.") % {
            "n": household.number
        }
    if (household.area_id, household.dwelling_id, household.address) != (
        row.area.id,
        getattr(dwelling, "id", None),
        address,
    ):
        if household.pk not in cache:
            services.household_move(
                actor=ctx.actor,
                household=household,
                dwelling=dwelling,
                area=row.area,
                address=address,
                reason=_("Import"),
            )
        cache[household.pk] = True
        household.refresh_from_db()
    return household, None


def write_row(row: Row, ctx: _Context, moved: dict) -> str:
    """Upsert one row (household, person, groups). Returns "created", "updated" or "unchanged"."""
    household, problem = _household(row, ctx, moved)
    if problem:
        raise ValidationError({"household_number": problem})
    v = row.values
    person = Person.objects.select_for_update().filter(id_hash=row.id_hash).select_related("area").first()
    outcome = "unchanged"
    if person is None:
        person = Person(area=household.area, household=household, id_type=v["id_type"])
        outcome = "created"
    elif not ctx.may_write(person.area.code):
        raise ValidationError({"id_number": _("This person is registered in an area you cannot change.")})
    if person.pk and person.household_id != household.id:
        ResidenceChange.objects.create(
            kind=ResidenceChange.Kind.PERSON,
            person=person,
            from_area=person.area,
            to_area=household.area,
            from_household_id=person.household_id,
            to_household=household,
            happened_on=timezone.localdate(),
            reason=_("Import"),
            actor=ctx.actor,
        )
    wanted = {
        "area_id": household.area_id,
        "household_id": household.id,
        "name": v["name"],
        "relation": RELATIONS.get(v.get("relation") or "other"),
        "residence_type": RESIDENCE_TYPES.get(v.get("residence_type") or "registered"),
        "ethnicity": v.get("ethnicity", ""),
    }
    changed = services.apply_pii(
        person, id_type=v["id_type"], id_number=row.id_number, phone=v.get("phone", "")
    )
    for key, value in wanted.items():
        if getattr(person, key) != value:
            setattr(person, key, value)
            changed = True
    if changed or person.pk is None:
        person.save()
        outcome = "updated" if outcome == "unchanged" else outcome
    open_tags = set(
        PersonTag.objects.filter(person=person, ended_on__isnull=True).values_list("tag_id", flat=True)
    )
    for tag in row.tags:
        if tag.id not in open_tags:
            PersonTag.objects.create(
                person=person, tag=tag, area=person.area, started_on=timezone.localdate(), added_by=ctx.actor
            )
            outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


# --- the job -------------------------------------------------------------------------------------------


def import_run(*, job_id: int) -> ImportJob:
    """Validate the whole file, then write valid rows chunk by chunk, reporting progress on the job."""
    job = ImportJob.objects.select_related("area", "actor").get(pk=job_id)
    if job.status == ImportJob.Status.DONE:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, processed_rows=0, message="")
    try:
        with job.file.open("rb") as handle:
            rows = parse(read_rows(handle.read(), job.file_name))
    except ImportFileError as exc:
        return _finish(job, ImportJob.Status.FAILED, message=str(exc))
    ctx = _Context(job.actor, job.area)
    valid, errors = validate(rows, ctx)
    ImportJob.objects.filter(pk=job.pk).update(
        total_rows=len(rows), errors=errors, processed_rows=len(rows) - len(valid)
    )
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    done = len(rows) - len(valid)
    try:
        for start in range(0, len(valid), CHUNK_ROWS):
            chunk = valid[start : start + CHUNK_ROWS]
            chunk_counts, chunk_errors = _write_chunk(chunk, ctx)
            for key, n in chunk_counts.items():
                counts[key] += n
            errors.extend(chunk_errors)
            done += len(chunk)
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=done,
                errors=errors,
                created_count=counts["created"],
                updated_count=counts["updated"],
                unchanged_count=counts["unchanged"],
            )
    except Exception as exc:
        _finish(
            job,
            ImportJob.Status.FAILED,
            message=_(
                "The import stopped after %(done)s of %(total)s rows (%(error)s). "
                "Rows already written are complete; "
                "import the same file again to finish: rows already there stay unchanged."
            )
            % {"done": done, "total": len(rows), "error": exc.__class__.__name__},
        )
        raise
    errors.sort(key=lambda e: e["row"])
    return _finish(job, ImportJob.Status.DONE, errors=errors)


def _write_chunk(chunk: list[Row], ctx: _Context):
    counts, errors, moved = {"created": 0, "updated": 0, "unchanged": 0}, [], {}
    with transaction.atomic():
        for row in chunk:
            try:
                with transaction.atomic():  # a refused row rolls back alone; the rest of the chunk stays
                    counts[write_row(row, ctx, moved)] += 1
            except ValidationError as exc:
                errors.extend(
                    {"row": row.number, "field": f, "message": m}
                    for f, messages in exc.message_dict.items()
                    for m in messages
                )
    return counts, errors


def _finish(job, status, **fields):
    ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **fields)
    job.refresh_from_db()
    return job
