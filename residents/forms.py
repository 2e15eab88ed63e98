from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import services
from .models import Building, Dwelling, Person, Place, Visit


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


# --- register editing on the phone (入户采集) -------------------------------------------------------------
# The forms parse; the checks that matter (the ID number's check character, phone length, uniqueness, scope)
# are the services' own, called here or by the service itself, so the page and the API refuse the same input
# with the same words.


def service_errors(form, exc):
    """Put a service's ValidationError next to the fields it names (elsewhere at the top of the form)."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _choices(choices, blank=None):
    return ([("", blank)] if blank is not None else []) + list(choices)


class AreaChoiceForm(forms.Form):
    """A form with a grid picker limited to the areas the user may write in."""

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = {a.code: a for a in areas}
        if "area" in self.fields:
            self.fields["area"].choices = [(a.code, f"{a.name} ({a.code})") for a in areas]

    def clean_area(self):
        code = self.cleaned_data["area"]
        return self.areas[code] if code else None


class PersonGridForm(AreaChoiceForm):
    area = forms.ChoiceField(label=_("Grid"))


class PersonForm(forms.Form):
    name = forms.CharField(max_length=64, label=_("Name"))
    id_type = forms.ChoiceField(choices=Person.IdType.choices, label=_("ID type"))
    id_number = forms.CharField(
        required=False,
        max_length=40,
        label=_("ID number"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        required=False,
        max_length=32,
        label=_("Phone"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    gender = forms.ChoiceField(
        choices=_choices(Person.Gender.choices, "—"), required=False, label=_("Gender")
    )
    birth_date = forms.DateField(
        required=False,
        label=_("Birth date"),
        help_text=_("Read from a resident ID number; give it for other documents."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ethnicity = forms.CharField(required=False, max_length=16, label=_("Ethnicity"))
    residence_type = forms.ChoiceField(choices=Person.ResidenceType.choices, label=_("Residence type"))
    relation = forms.ChoiceField(choices=Person.Relation.choices, label=_("Household relation"))

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if person is not None:
            # The stored numbers are never put back into the page: an empty field keeps them.
            keep = _("Leave empty to keep %(mask)s.")
            self.fields["id_number"].help_text = keep % {"mask": person.id_mask or "—"}
            self.fields["phone"].help_text = keep % {"mask": person.phone_mask or "—"}
            self.fields["birth_date"].help_text = _("Leave empty to keep the birth date on record.")

    def clean(self):
        data = super().clean()
        number = data.get("id_number", "")
        if number and data.get("id_type"):
            try:
                data["id_number"] = services.normalize_id(data["id_type"], number)
            except ValidationError as exc:
                service_errors(self, exc)
        if data.get("phone"):
            try:
                services.normalize_phone(data["phone"])
            except ValidationError as exc:
                service_errors(self, exc)
        return data

    def service_kwargs(self) -> dict:
        """The keyword arguments for ``person_register``/``person_update``; empty PII fields keep the old."""
        data = dict(self.cleaned_data)
        editing = self.person is not None
        for key in ("id_number", "phone"):
            if editing and not data.get(key):
                data.pop(key)
        if not data.get("birth_date"):
            data.pop("birth_date")
        if not data.get("gender") and (editing or data.get("id_number")):
            data.pop("gender")
        return data


class PersonMoveForm(forms.Form):
    household = forms.CharField(max_length=40, label=_("Household number to move into"))
    relation = forms.ChoiceField(
        choices=_choices(Person.Relation.choices, "—"), required=False, label=_("Household relation")
    )
    on = forms.DateField(required=False, label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.households = households

    def clean_household(self):
        number = self.cleaned_data["household"].strip()
        household = self.households.filter(number=number, is_active=True).first()
        if household is None:
            raise ValidationError(_("No household with this number in your grids."))
        return household


class PersonLeaveForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (Person.Status.MOVED_OUT, Person.Status.DECEASED)],
        label=_("Leaves the register"),
    )
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))


class HouseholdForm(AreaChoiceForm):
    number = forms.CharField(max_length=40, label=_("Household number"))
    area = forms.ChoiceField(
        required=False, label=_("Grid"), help_text=_("A chosen building's grid is used instead.")
    )
    building = forms.ModelChoiceField(
        queryset=Building.objects.none(), required=False, label=_("Building"), empty_label="—"
    )
    unit = forms.CharField(required=False, max_length=16, label=pgettext_lazy("building unit", "Unit"))
    room = forms.CharField(required=False, max_length=16, label=_("Room"))
    address = forms.CharField(
        required=False,
        max_length=200,
        label=_("Address"),
        help_text=_("Needed when no building is chosen; otherwise taken from building, unit and room."),
    )

    def __init__(self, *args, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if buildings is not None:
            self.fields["building"].queryset = buildings
        self.fields["area"].choices = [("", "—"), *self.fields["area"].choices]

    def clean(self):
        data = super().clean()
        if data.get("building") is None and data.get("area") is None and "area" not in self.errors:
            self.add_error("area", _("Choose the grid, or a building."))
        if data.get("building") is not None:
            if not data.get("room"):
                self.add_error("room", _("Give the room of the dwelling."))
        elif not (data.get("address") or "").strip():
            self.add_error("address", _("Give the address, or choose a building and a room."))
        return data


class HouseholdMoveForm(HouseholdForm):
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))
    on = forms.DateField(required=False, label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["number"]


class BuildingForm(AreaChoiceForm):
    area = forms.ChoiceField(label=_("Grid"))
    code = forms.CharField(max_length=40, label=_("Building code"))
    name = forms.CharField(max_length=100, label=_("Building name"))
    address = forms.CharField(required=False, max_length=200, label=_("Address"))
    kind = forms.ChoiceField(choices=Building.Kind.choices, label=_("Type"))
    floors = forms.IntegerField(required=False, min_value=1, max_value=200, label=_("Floors"))
    property_company = forms.CharField(required=False, max_length=100, label=_("Property company"))
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, label=_("Latitude"))
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, label=_("Longitude"))


class DwellingForm(forms.Form):
    unit = forms.CharField(required=False, max_length=16, label=pgettext_lazy("building unit", "Unit"))
    room = forms.CharField(max_length=16, label=_("Room"))
    use = forms.ChoiceField(choices=Dwelling.Use.choices, label=_("Use"))
    floor_area = forms.DecimalField(
        required=False, min_value=0, max_digits=7, decimal_places=2, label=_("Floor area (m²)")
    )


class PlaceForm(AreaChoiceForm):
    area = forms.ChoiceField(label=_("Grid"))
    name = forms.CharField(max_length=120, label=_("Place name"))
    kind = forms.ChoiceField(choices=Place.Kind.choices, label=_("Kind"))
    address = forms.CharField(required=False, max_length=200, label=_("Address"))
    credit_code = forms.CharField(required=False, max_length=18, label=_("Unified social credit code"))
    contact_name = forms.CharField(required=False, max_length=64, label=_("Contact"))
    contact_phone = forms.CharField(
        required=False,
        max_length=32,
        label=_("Contact phone"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, label=_("Latitude"))
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, label=_("Longitude"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Open for business"))

    def __init__(self, *args, place=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.place = place
        if place is not None:
            self.fields["contact_phone"].help_text = _("Leave empty to keep %(mask)s.") % {
                "mask": place.contact_phone_mask or "—"
            }

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"]
        if phone:
            try:
                services.normalize_phone(phone)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["phone"]) from exc
        return phone

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if self.place is not None and not data.get("contact_phone"):
            data.pop("contact_phone")
        return data
