"""Forms of the case pages: the report form, and the field sets of the action forms.

Action input is validated by the same DRF serializers the API uses (``cases.api_actions``); this module
only says which inputs each action's small form shows.
"""

import uuid

from django import forms
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Case, Category

# Which inputs each action's form shows. The names match the action serializer's fields.
ACTION_FIELDS = {
    "file": ["comment"],
    "void": ["reason"],
    "answer": ["result"],
    "return-to-hotline": ["reason"],
    "dispatch": ["department", "team", "comment"],
    "return": ["reason"],
    "accept": [],
    "feedback": ["result", "photos"],
    "request-extension": ["amount", "unit", "reason"],
    "approve-extension": ["comment"],
    "reject-extension": ["comment"],
    "suspend": ["reason"],
    "resume": ["comment"],
    "verify-pass": ["note", "photos"],
    "verify-fail": ["note", "photos"],
    "close": ["close_type", "comment"],
    "evaluate": ["satisfaction", "channel", "comment"],
    "merge": ["into", "reason"],
    "reopen": ["reason"],
    "escalate": ["comment"],
    "supervise": ["comment"],
}
# Actions that undo or stop work: their buttons look different so nobody presses them by habit.
CAUTION_ACTIONS = {
    "void",
    "return-to-hotline",
    "return",
    "verify-fail",
    "suspend",
    "reject-extension",
    "reopen",
    "merge",
}


def minor_categories_for(user):
    """Active minor categories, the user's most-reported ones first (at most five of those)."""
    minors = list(
        Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )
    used = (
        (
            Case.objects.filter(reporter=user)
            .values("category_id")
            .annotate(n=Count("id"))
            .order_by("-n", "category_id")[:5]
        )
        if getattr(user, "pk", None)
        else []
    )
    favourite_ids = [row["category_id"] for row in used]
    by_id = {c.pk: c for c in minors}
    favourites = [by_id[i] for i in favourite_ids if i in by_id]
    return favourites, minors


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True, parent__isnull=False),
        to_field_name="code",
        error_messages={
            "required": _("Choose a category."),
            "invalid_choice": _("Choose a category from the list."),
        },
    )
    title = forms.CharField(
        label=_("Title"), max_length=120, error_messages={"required": _("A title is required.")}
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    self_handled = forms.BooleanField(label=_("I fixed it on the spot (self-handled)"), required=False)
    self_handled_result = forms.CharField(
        label=_("What I did"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=128, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # One key per form: a resubmission of this same form (a retry) reuses it.
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            self.add_error("lat", _("Give both latitude and longitude."))
        if data.get("lat") is None and data.get("lon") is None and "lat" not in self.errors:
            self.add_error("lat", _("Give a location on the map."))
        if data.get("self_handled") and not (data.get("self_handled_result") or "").strip():
            self.add_error("self_handled_result", _("Describe what you did."))
        return data

    def extra_values(self, post):
        """The chosen category's extra fields from ``extra.<code>`` inputs (lists for multi-value fields)."""
        category = self.cleaned_data.get("category")
        values = {}
        for spec in (category.fields if category else []) or []:
            key = "extra." + spec["code"]
            if spec.get("datatype") == "multivaluelist":
                chosen = post.getlist(key)
                if chosen:
                    values[spec["code"]] = chosen
            elif post.get(key, "") != "":
                values[spec["code"]] = post.get(key)
        return values
