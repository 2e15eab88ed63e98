from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Category
from tasks.admission import list_in_force
from tasks.models import AdmissionItem


class GridDayForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, empty_label=None)
    day = forms.DateField(label=_("Grid day"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    note = forms.CharField(
        label=_("What to focus on"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class AssignForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None, empty_label=None)
    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=None)

    def __init__(self, *args, grids, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["cadre"].queryset = cadres


class CheckInForm(forms.Form):
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)


class RecordForm(forms.Form):
    did = forms.CharField(
        label=_("What you did"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Visits, small meetings, explaining policies…"),
    )
    found = forms.CharField(
        label=_("What you found"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    report = forms.BooleanField(label=_("Report what was found as a case"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(is_active=True, parent__isnull=False),
    )
    title = forms.CharField(label=_("Case title"), required=False, max_length=200)
    follow_up = forms.BooleanField(label=_("Raise a follow-up task for the grid instead"), required=False)
    item = forms.ModelChoiceField(
        label=_("Admitted item (网格事项准入清单)"), required=False, queryset=AdmissionItem.objects.none()
    )
    task_title = forms.CharField(label=_("Follow-up task"), required=False, max_length=200)
    deadline = forms.DateField(
        label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every item of the list in force: one grid workers may not be given is refused with its reason.
        current = list_in_force()
        items = (
            AdmissionItem.objects.filter(admission_list=current) if current else AdmissionItem.objects.none()
        )
        self.fields["item"].queryset = items.order_by("code")

    def clean(self):
        data = super().clean()
        if data.get("report") and data.get("follow_up"):
            self.add_error("follow_up", _("Raise a case or a follow-up task, not both at once."))
        if data.get("report") and not data.get("category"):
            self.add_error("category", _("Choose the category of what you found."))
        if data.get("follow_up") and not data.get("item"):
            self.add_error("item", _("Choose the admitted item the follow-up comes under."))
        if data.get("follow_up") and not data.get("deadline"):
            self.add_error("deadline", _("Give the day the follow-up is due."))
        return data

    def finding(self) -> dict | None:
        """The finding for ``services.deployment_record``: a case, a follow-up task, or none."""
        data = self.cleaned_data
        if data["report"]:
            return {
                "category": data["category"].pk,
                "title": data["title"] or data["found"],
                "description": data["found"],
            }
        if data["follow_up"]:
            return {
                "raise": "task",
                "item": data["item"].pk,
                "title": data["task_title"] or data["found"],
                "description": data["found"],
                "deadline": data["deadline"],
            }
        return None


class WorkLogForm(forms.Form):
    summary = forms.CharField(label=_("Work done"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    issues = forms.CharField(
        label=_("Problems and follow-up"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
