from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Category


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

    def clean(self):
        data = super().clean()
        if data.get("report") and not data.get("category"):
            self.add_error("category", _("Choose the category of what you found."))
        return data


class WorkLogForm(forms.Form):
    summary = forms.CharField(label=_("Work done"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    issues = forms.CharField(
        label=_("Problems and follow-up"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
