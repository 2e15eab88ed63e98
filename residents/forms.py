from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Person, Visit


class VisitForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("Person met"), empty_label=_("The household")
    )
    method = forms.ChoiceField(choices=Visit.Method.choices, label=_("Method"))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Notes"))
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Findings"))
    raise_case = forms.BooleanField(required=False, label=_("Report the finding as a case"))
    case_title = forms.CharField(required=False, max_length=200, label=_("Case title"))
    case_category = forms.CharField(required=False, max_length=40, label=_("Case category code"))
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["person"].queryset = members

    def clean(self):
        data = super().clean()
        if data.get("raise_case"):
            for field in ("case_title", "case_category"):
                if not data.get(field):
                    self.add_error(field, _("Needed to report a case."))
            if not data.get("findings"):
                self.add_error("findings", _("Describe what you found."))
        return data


class RevealForm(forms.Form):
    reason = forms.CharField(min_length=4, max_length=300, label=_("Why do you need the full numbers?"))


class ImportForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"))
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a.code, f"{a.name} ({a.code})") for a in areas]


class ExportForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"))
    format = forms.ChoiceField(choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")], label=_("Format"))
    unmasked = forms.BooleanField(required=False, label=_("Full ID and phone numbers"))
    reason = forms.CharField(required=False, max_length=300, label=_("Reason"))

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a.code, f"{a.name} ({a.code})") for a in areas]

    def clean(self):
        data = super().clean()
        if data.get("unmasked") and len((data.get("reason") or "").strip()) < 4:
            self.add_error("reason", _("State why you need the full numbers."))
        return data
