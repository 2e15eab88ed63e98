"""The pages' forms; the services check the rules and their refusals come back next to the fields."""

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .models import ActivityType, CouncilMember, PartyBranch, TeamRole

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class ActivityForm(forms.Form):
    activity_type = forms.ChoiceField(label=_("Activity type"), choices=ActivityType.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    place = forms.CharField(label=_("Place"), max_length=100)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=LOCAL, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=LOCAL, input_formats=DT_FORMATS)
    # "Places" is also the register's places (场所): here it is how many volunteers the activity takes.
    capacity = forms.IntegerField(
        label=pgettext_lazy("activity capacity", "Places"), min_value=1, max_value=1000, initial=20
    )


class RuleForm(forms.Form):
    activity_type = forms.ChoiceField(label=_("Activity type"), choices=ActivityType.choices)
    points_per_attendance = forms.IntegerField(label=_("Points per attendance"), min_value=0, initial=0)
    points_per_hour = forms.IntegerField(label=_("Points per hour"), min_value=0, initial=10)


class RewardForm(forms.Form):
    name = forms.CharField(label=_("Reward"), max_length=100)
    points_cost = forms.IntegerField(label=_("Points"), min_value=1)
    stock = forms.IntegerField(label=_("Stock"), min_value=0)


class VolunteerForm(forms.Form):
    person = forms.IntegerField(
        label=_("Register person (number)"),
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The person's number in the residents' register."),
    )
    is_liaison = forms.BooleanField(label=_("Micro-grid liaison"), required=False)
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)
    availability = forms.CharField(label=_("Availability"), max_length=200, required=False)


class TeamMemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    name = forms.CharField(label=_("Name"), max_length=64)
    work_phone = forms.CharField(
        label=_("Work phone"),
        max_length=32,
        required=False,
        help_text=_("Shown on the grid's public contact card: never a personal number."),
    )
    duty = forms.CharField(label=_("Duty"), max_length=100, required=False)
    building = forms.CharField(label=_("Building"), max_length=64, required=False)
    work_unit = forms.CharField(label=_("Work unit"), max_length=100, required=False)
    dual_registered = forms.BooleanField(label=_("Registered with the community (双报到)"), required=False)
    branch = forms.ModelChoiceField(
        label=_("Party branch"), queryset=PartyBranch.objects.none(), required=False
    )

    def __init__(self, *args, branches=None, **kwargs):
        super().__init__(*args, **kwargs)
        if branches is not None:
            self.fields["branch"].queryset = branches


class RedeemForm(forms.Form):
    reward = forms.TypedChoiceField(label=_("Reward"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    request_token = forms.CharField(widget=forms.HiddenInput, max_length=128)

    def __init__(self, *args, rewards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].choices = [
            (
                r.pk,
                gettext("%(name)s · %(points)s points · %(stock)s left")
                % {"name": r.name, "points": r.points_cost, "stock": r.stock},
            )
            for r in rewards
        ]


class AdjustForm(forms.Form):
    points = forms.IntegerField(label=_("Points (+/−)"), min_value=-100000, max_value=100000)
    reason = forms.CharField(label=_("Reason"), max_length=200)


AGENDA_ROWS = 5  # empty agenda rows on a fresh form; "more rows" adds as many again, without JS
AGENDA_ROWS_MAX = 30


class MeetingForm(forms.Form):
    """Record a meeting held. Every field may come back empty: ``services.meeting_hold`` says what is
    missing in the field's words, so the form only turns the typed text into values."""

    held_at = forms.DateTimeField(
        label=pgettext_lazy("meeting", "Held at"), widget=LOCAL, input_formats=DT_FORMATS, required=False
    )
    place = forms.CharField(label=pgettext_lazy("meeting place", "Place"), max_length=100, required=False)
    present = forms.ModelMultipleChoiceField(
        label=_("Members present"),
        queryset=CouncilMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000, required=False
    )

    def __init__(self, data=None, *, council, rows=AGENDA_ROWS, **kwargs):
        rows = max(AGENDA_ROWS, min(rows, AGENDA_ROWS_MAX))
        super().__init__(_agenda_compacted(data, rows), **kwargs)
        present = self.fields["present"]
        present.queryset = council.members.filter(is_active=True).order_by("role", "id")
        present.label_from_instance = _member_label
        self.rows = rows
        for i in range(1, self.rows + 1):
            self.fields[f"agenda-{i}-text"] = forms.CharField(
                label=_("Item %(n)s") % {"n": i}, max_length=300, required=False
            )
            self.fields[f"agenda-{i}-case"] = forms.CharField(
                label=_("Case number (optional)"), max_length=32, required=False
            )
            self.fields[f"agenda-{i}-task"] = forms.CharField(
                label=_("Task id (optional)"), max_length=20, required=False
            )

    def agenda_rows(self):
        """The rows as bound fields, for the template: (text, case, task)."""
        return [
            (self[f"agenda-{i}-text"], self[f"agenda-{i}-case"], self[f"agenda-{i}-task"])
            for i in range(1, self.rows + 1)
        ]

    def agenda(self) -> list[dict]:
        """The rows filled in, in order; blank rows are left out (the service refuses no item at all)."""
        data = self.cleaned_data
        rows = (
            {k: data.get(f"agenda-{i}-{k}", "").strip() for k in ("text", "case", "task")}
            for i in range(1, self.rows + 1)
        )
        return [row for row in rows if any(row.values())]


def _agenda_compacted(data, rows: int):
    """The posted rows with the blank ones moved to the end, so that "item 2" in the service's refusal is
    the row the page shows as item 2."""
    if data is None:
        return None
    keys = ("text", "case", "task")
    filled = [
        [data.get(f"agenda-{i}-{k}", "") for k in keys]
        for i in range(1, rows + 1)
        if any(str(data.get(f"agenda-{i}-{k}", "")).strip() for k in keys)
    ]
    data = data.copy()
    for i in range(1, rows + 1):
        values = filled[i - 1] if i <= len(filled) else ["", "", ""]
        for k, value in zip(keys, values, strict=True):
            data[f"agenda-{i}-{k}"] = value
    return data


def _member_label(member) -> str:
    return f"{member.name} · {member.get_role_display()}"
