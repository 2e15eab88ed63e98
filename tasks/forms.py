"""The pages' forms: sending a task (staff), filling a form for an object (the phone), reviewing."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Category
from grids.models import AreaKind, DedicatedPurpose
from residents.models import GroupTag

from .models import AdmissionItem, TargetKind

TYPES = {
    "text": "string",
    "long": "text",
    "number": "number",
    "date": "date",
    "single": "singlevaluelist",
    "multi": "multivaluelist",
    # The same types in the words a Chinese page offers (the help text names these, not the keys).
    "文本": "string",
    "长文本": "text",
    "数字": "number",
    "日期": "date",
    "单选": "singlevaluelist",
    "多选": "multivaluelist",
}


def fields_from_lines(text: str) -> list[dict]:
    """The form's fields from one line each: ``label; type; required; option, option`` (type one of text,
    long, number, date, single, multi, or their Chinese names). Unknown types are passed on for the service
    to refuse."""
    fields = []
    for i, line in enumerate((text or "").splitlines(), 1):
        parts = [p.strip() for p in line.replace("；", ";").split(";")]
        if not parts[0]:
            continue
        kind = parts[1] if len(parts) > 1 and parts[1] else "text"
        options = [
            o.strip() for o in (parts[3] if len(parts) > 3 else "").replace("，", ",").split(",") if o.strip()
        ]
        fields.append(
            {
                "code": f"f{i}",
                "label": parts[0],
                "datatype": TYPES.get(kind, kind),
                "required": len(parts) > 2 and parts[2].lower() in ("required", "必填", "yes", "y", "1"),
                "values": [{"key": str(k), "name": name} for k, name in enumerate(options, 1)],
            }
        )
    return fields


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    item = forms.ModelChoiceField(label=_("Admitted item"), queryset=AdmissionItem.objects.none())
    instructions = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    choose = forms.ChoiceField(
        label=_("Grids"),
        choices=[
            ("subtree", _("Every grid under an area")),
            ("kind", _("Grids of a kind")),
            ("grids", _("A list of grids")),
        ],
        initial="subtree",
    )
    subtree = forms.CharField(label=_("Area code"), required=False, max_length=24)
    kind = forms.ChoiceField(label=_("Grid kind"), required=False, choices=[("", "—"), *AreaKind.choices])
    purpose = forms.ChoiceField(
        label=_("Dedicated purpose"), required=False, choices=DedicatedPurpose.choices
    )
    grid_codes = forms.CharField(
        label=_("Grid codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line"),
    )
    target_kind = forms.ChoiceField(label=_("Target objects"), required=False, choices=TargetKind.choices)
    target_tag = forms.ModelChoiceField(label=_("Tag"), required=False, queryset=GroupTag.objects.all())
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    deadline = forms.DateTimeField(
        label=_("Deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    form_lines = forms.CharField(
        label=_("Form to fill per object"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": _(
                    "Gas hose; single; required; fine, worn\nHouseholds checked; number; required"
                ),
            }
        ),
        help_text=_("One field a line: label; type (text, long, number, date, single, multi); 必填; options"),
    )
    attachments = forms.FileField(label=_("Attachments"), required=False)

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items if items is not None else AdmissionItem.objects.none()

    def selection(self) -> dict:
        data = self.cleaned_data
        if data["choose"] == "grids":
            return {"grids": [c.strip() for c in (data.get("grid_codes") or "").split() if c.strip()]}
        if data["choose"] == "kind":
            chosen = {"kind": data.get("kind") or "", "purpose": data.get("purpose") or ""}
            if data.get("subtree"):
                chosen["within"] = data["subtree"]
            return chosen
        return {"subtree": data.get("subtree") or ""}


class ReviewForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", pgettext_lazy("review", "Accept")), ("0", _("Send back"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class FindingForm(forms.Form):
    """The optional finding beside a filled form."""

    found = forms.BooleanField(label=_("Found a problem: report it as a case"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(is_active=True, parent__isnull=False),
    )
    title = forms.CharField(label=_("What was found"), required=False, max_length=200)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Anything else"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def field_rows(specs, post=None, errors=None) -> list[dict]:
    """What the fill page renders for each form field (as the case report renders category fields)."""
    rows = []
    for spec in specs or []:
        name = "v." + spec["code"]
        if post is not None and spec.get("datatype") == "multivaluelist":
            value = post.getlist(name)
        else:
            value = post.get(name, "") if post is not None else ""
        chosen = value if isinstance(value, list) else [value]
        rows.append(
            {
                "name": name,
                "id": "id_" + name.replace(".", "_"),
                "label": spec["label"],
                "datatype": spec.get("datatype", "string"),
                "required": spec.get("required"),
                "choices": [(v["key"], v["name"], v["key"] in chosen) for v in spec.get("values", [])],
                "input_type": {"number": "number", "date": "date", "datetime": "datetime-local"}.get(
                    spec.get("datatype"), "text"
                ),
                "value": value if not isinstance(value, list) else "",
                "errors": (errors or {}).get("values." + spec["code"], []),
            }
        )
    return rows


def field_values(specs, post) -> dict:
    values = {}
    for spec in specs or []:
        name = "v." + spec["code"]
        if spec.get("datatype") == "multivaluelist":
            if post.getlist(name):
                values[spec["code"]] = post.getlist(name)
        elif post.get(name, "") != "":
            values[spec["code"]] = post.get(name)
    return values
