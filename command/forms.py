"""Query parameters of the map's JSON endpoints, validated with messages per field."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ViewBoxForm(forms.Form):
    """``bbox=west,south,east,north`` and ``zoom`` of the map's current view."""

    bbox = forms.CharField()
    zoom = forms.IntegerField(min_value=0, max_value=22)

    def clean_bbox(self):
        parts = self.cleaned_data["bbox"].split(",")
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise forms.ValidationError(_("Give four numbers: west,south,east,north.")) from None
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise forms.ValidationError(
                _("The box must lie within -180..180, -90..90 with west ≤ east and south ≤ north.")
            )
        return {"west": west, "south": south, "east": east, "north": north}


class TrackDayForm(forms.Form):
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
