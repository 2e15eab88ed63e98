"""Query parameters of the map's JSON endpoints, validated with messages per field."""

import json

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


class AdjustForm(forms.Form):
    """A grid adjustment as the district centre asks for it: which grids, and the drawn or uploaded shape."""

    KINDS = [("split", _("Split a grid")), ("merge", _("Merge grids")), ("redraw", _("Redraw a boundary"))]
    MAX_UPLOAD = 2 * 1024 * 1024

    kind = forms.ChoiceField(choices=KINDS, initial="split", label=_("Adjustment"), widget=forms.RadioSelect)
    grids = forms.MultipleChoiceField(label=_("Grids"), widget=forms.CheckboxSelectMultiple)
    name = forms.CharField(
        required=False,
        max_length=100,
        label=_("Name of the new grid"),
        help_text=_("Merge: the merged grid. Split: the part inside the drawn shape."),
    )
    name_rest = forms.CharField(
        required=False, max_length=100, label=_("Name of the rest"), help_text=_("Split: the other part.")
    )
    team_to = forms.TypedChoiceField(
        required=False,
        initial="",
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Nobody yet: assign it afterwards")),
            ("0", _("The part inside the drawn shape (the first part)")),
            ("1", _("The rest (the second part)")),
        ],
        label=_("Split: which part keeps the grid's team"),
        widget=forms.RadioSelect,
    )
    geojson = forms.CharField(
        required=False,
        label=_("Boundary (GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("Filled in when you draw on the map; or paste it, or upload a file."),
    )
    file = forms.FileField(required=False, label=_("Or upload a GeoJSON file"))
    note = forms.CharField(required=False, max_length=500, label=_("Note (why)"))

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.grid_rows = {g.code: g for g in grids}
        self.fields["grids"].choices = [(g.code, f"{g.name} ({g.code})") for g in grids]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > self.MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload

    def clean(self):
        data = super().clean()
        kind, codes = data.get("kind"), data.get("grids") or []
        data["grid_rows"] = [self.grid_rows[c] for c in codes]
        if data.get("file"):
            try:
                data["geojson"] = data["file"].read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not UTF-8 text."))
        text = (data.get("geojson") or "").strip()
        data["shape"] = None
        if text:
            try:
                data["shape"] = json.loads(text)
            except ValueError:
                self.add_error("geojson", _("This is not GeoJSON (JSON could not be read)."))
        if kind in ("split", "redraw") and len(codes) != 1 and "grids" not in self.errors:
            self.add_error("grids", _("Choose exactly one grid."))
        if kind == "merge" and len(codes) < 2 and "grids" not in self.errors:
            self.add_error("grids", _("Choose two or more neighbouring grids."))
        if kind in ("split", "redraw") and not text and "geojson" not in self.errors:
            self.add_error("geojson", _("Draw the boundary on the map, or upload a GeoJSON file."))
        if kind == "merge" and not (data.get("name") or "").strip():
            self.add_error("name", _("The merged grid needs a name."))
        return data
