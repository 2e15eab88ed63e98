"""The staff page's form for writing a notice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Audience


class NoticeForm(forms.Form):
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    area = forms.CharField(
        label=_("Area (code)"),
        max_length=24,
        help_text=_("The area the notice is addressed to: everyone of the audience in it and below it."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
