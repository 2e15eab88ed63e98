from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .components import COMPONENTS
from .services import weight_of


class SettingsForm(forms.Form):
    """The district's weights (one field per registered component) and thresholds."""

    window_days = forms.IntegerField(label=_("Window (days)"), min_value=1, max_value=366)
    yellow_at = forms.DecimalField(label=_("Yellow from score"), min_value=0, max_digits=8, decimal_places=2)
    red_at = forms.DecimalField(label=_("Red from score"), min_value=0, max_digits=8, decimal_places=2)
    hotspot_cell_m = forms.IntegerField(label=_("Hotspot cell (m)"), min_value=20, max_value=2000)
    hotspot_min_cases = forms.IntegerField(label=_("Cases for a hotspot"), min_value=2, max_value=1000)
    rising_factor = forms.DecimalField(
        label=_("Rising above baseline ×"), min_value=1, max_digits=5, decimal_places=2
    )
    rising_min_cases = forms.IntegerField(
        label=_("Fewest cases for a rising category"), min_value=1, max_value=10000
    )
    visit_grace_days = forms.IntegerField(label=_("Visit overdue grace (days)"), min_value=0, max_value=365)

    def __init__(self, *args, settings, **kwargs):
        initial = {name: getattr(settings, name) for name in self.base_fields}
        initial |= {f"w_{key}": weight_of(settings, key) for key in COMPONENTS}
        super().__init__(*args, initial=initial, **kwargs)
        for key, component in COMPONENTS.items():
            self.fields[f"w_{key}"] = forms.DecimalField(
                label=component.label,
                help_text=component.explains,
                min_value=0,
                max_value=100,
                max_digits=6,
                decimal_places=2,
            )

    def weight_fields(self):
        return [self[f"w_{key}"] for key in COMPONENTS]

    def setting_fields(self):
        return [self[name] for name in self.base_fields]

    def values(self) -> dict:
        data = self.cleaned_data
        weights = {key: float(data[f"w_{key}"]) for key in COMPONENTS}
        return {"weights": weights, **{name: data[name] for name in self.base_fields}}


class CloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(forms.Form):
    unit = forms.CharField(label=_("To unit"), max_length=40)
    comment = forms.CharField(
        label=pgettext_lazy("warning transfer", "Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def target(self) -> dict:
        """``{"area_code": …}`` or ``{"department_id": …}`` from the choice "a:<code>" / "d:<id>"."""
        kind, _sep, value = self.cleaned_data["unit"].partition(":")
        if kind == "d" and value.isdigit():
            return {"department_id": int(value)}
        return {"area_code": value if kind == "a" and value.isdigit() else ""}
