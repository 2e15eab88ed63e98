import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Category

from .abuse import HONEYPOT, started_token

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


class CitizenReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What kind of problem"),
        queryset=Category.objects.filter(is_active=True, parent__isnull=False),
        to_field_name="code",
        error_messages={
            "required": _("Choose what kind of problem it is."),
            "invalid_choice": _("Choose what kind of problem it is."),
        },
    )
    description = forms.CharField(
        label=_("What is wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Tell us in a few words what is wrong.")},
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=200)
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=64)
    phone = forms.CharField(label=_("Your phone (optional)"), required=False, max_length=32)
    same_as = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT] = forms.CharField(required=False, max_length=200)
        if not self.is_bound:
            self.initial.update(idempotency_key=uuid.uuid4().hex, started=started_token())

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("Enter a phone number of digits, or leave it empty."))
        return phone

    def clean_same_as(self):
        public_id = self.cleaned_data["same_as"]
        return Case.objects.filter(public_id=public_id).first() if public_id else None

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None or data.get("lon") is None) and "lat" not in self.errors:
            self.add_error("lat", _("Tap the map where the problem is."))
        return data
