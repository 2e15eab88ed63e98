"""Category extra fields: the Open311 attribute shapes, validated on report."""

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

DATATYPES = ("string", "text", "number", "date", "datetime", "singlevaluelist", "multivaluelist")


def clean_extra(category, values: dict) -> tuple[dict, dict]:
    """(cleaned values, {field code: [messages]}) for a category's extra fields."""
    cleaned, errors = {}, {}
    known = {f["code"]: f for f in category.fields or []}
    for code in values:
        if code not in known:
            errors[code] = [_("This category has no field “%(code)s”.") % {"code": code}]
    for code, spec in known.items():
        raw = values.get(code)
        if raw in (None, "", []):
            if spec.get("required"):
                errors[code] = [_("This field is required.")]
            continue
        try:
            cleaned[code] = _clean_value(spec, raw)
        except ValueError as exc:
            errors[code] = [str(exc)]
    return cleaned, errors


def _clean_value(spec, raw):
    kind = spec.get("datatype", "string")
    if kind in ("string", "text"):
        value = str(raw).strip()
        if len(value) > (200 if kind == "string" else 2000):
            raise ValueError(_("The text is too long."))
        return value
    if kind == "number":
        try:
            return float(Decimal(str(raw)))
        except (InvalidOperation, ValueError):
            raise ValueError(_("Enter a number.")) from None
    if kind == "date":
        value = raw if isinstance(raw, datetime.date) else parse_date(str(raw))
        if value is None:
            raise ValueError(_("Enter a date as YYYY-MM-DD."))
        return value.isoformat()
    if kind == "datetime":
        value = parse_datetime(str(raw))
        if value is None:
            raise ValueError(_("Enter a date and time."))
        return value.isoformat()
    keys = {str(v["key"]) for v in spec.get("values", [])}
    if kind == "singlevaluelist":
        if isinstance(raw, list) or str(raw) not in keys:
            raise ValueError(_("Choose one of the listed values."))
        return str(raw)
    if kind == "multivaluelist":
        chosen = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        if not chosen or any(v not in keys for v in chosen):
            raise ValueError(_("Choose among the listed values."))
        return chosen
    raise ValueError(_("Unknown field type."))


def display_extra(category, values: dict) -> list[tuple[str, str]]:
    """(label, readable value) for each answered extra field: list keys become their names."""
    rows = []
    for spec in category.fields or []:
        if spec["code"] not in values:
            continue
        names = {str(v["key"]): v.get("name", v["key"]) for v in spec.get("values", [])}
        raw = values[spec["code"]]
        items = raw if isinstance(raw, list) else [raw]
        text = "、".join(str(names.get(str(item), item)) for item in items)
        if spec.get("datatype") == "number" and isinstance(raw, float) and raw.is_integer():
            text = str(int(raw))
        rows.append((spec.get("label", spec["code"]), text))
    return rows
