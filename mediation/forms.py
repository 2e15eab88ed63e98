"""Page forms of the mediation app: they parse; the services decide (their refusals come back next to the
fields named in them)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DisputeType, MediatorKind, PartyRole, ReferredTo, RiskLevel, Source
from .workflow import OUTCOMES

PARTY_ROWS = 3
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DisputeForm(forms.Form):
    area = forms.ModelChoiceField(queryset=None, label=_("Grid"), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=120)
    dispute_type = forms.ChoiceField(label=_("Type"), choices=DisputeType.choices)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    risk_reason = forms.CharField(label=_("Reason for the risk level"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    screening = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = grids
        for i in range(PARTY_ROWS):
            self.fields[f"p{i}_role"] = forms.ChoiceField(
                label=_("Party %(n)d") % {"n": i + 1},
                choices=PartyRole.choices,
                initial=PartyRole.APPLICANT if i == 0 else PartyRole.RESPONDENT,
            )
            self.fields[f"p{i}_name"] = forms.CharField(label=_("Name"), max_length=64, required=False)
            self.fields[f"p{i}_id_number"] = forms.CharField(
                label=_("ID number (finds a registered resident; kept masked)"), max_length=40, required=False
            )
            self.fields[f"p{i}_phone"] = forms.CharField(
                label=_("Phone (kept masked)"), max_length=32, required=False
            )

    def main_fields(self):
        return [
            self[name]
            for name in (
                "area",
                "title",
                "dispute_type",
                "source",
                "risk_level",
                "risk_reason",
                "description",
            )
        ]

    def party_rows(self):
        return [
            [self[f"p{i}_{name}"] for name in ("role", "name", "id_number", "phone")]
            for i in range(PARTY_ROWS)
        ]

    def parties(self):
        data = self.cleaned_data
        rows = []
        for i in range(PARTY_ROWS):
            name, number = data.get(f"p{i}_name", "").strip(), data.get(f"p{i}_id_number", "").strip()
            if name or number:
                rows.append(
                    {
                        "role": data[f"p{i}_role"],
                        "name": name,
                        "id_number": number,
                        "phone": data.get(f"p{i}_phone"),
                    }
                )
        return rows


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices, initial=PartyRole.RESPONDENT)
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    id_number = forms.CharField(
        label=_("ID number (finds a registered resident; kept masked)"), max_length=40, required=False
    )
    phone = forms.CharField(label=_("Phone (kept masked)"), max_length=32, required=False)


class ScreeningForm(forms.Form):
    area = forms.ModelChoiceField(queryset=None, label=_("Grid"), empty_label=None)
    nothing_found = forms.BooleanField(label=_("Nothing found this month"), required=False)
    note = forms.CharField(
        label=_("What was screened and found"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = grids


class MediatorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=MediatorKind.choices)
    area = forms.ModelChoiceField(queryset=None, label=_("Serves"), empty_label=None)
    organisation = forms.CharField(label=_("Organisation"), max_length=100, required=False)
    work_phone = forms.CharField(label=_("Work phone"), max_length=32, required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class StartForm(forms.Form):
    mediator = forms.ModelChoiceField(queryset=None, label=_("Mediator"))

    def __init__(self, *args, mediators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = mediators


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME_LOCAL, input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label=_("Place"), max_length=120)
    mediators = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Mediators present"), widget=forms.CheckboxSelectMultiple
    )
    present = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Parties present"), widget=forms.CheckboxSelectMultiple, required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, mediators, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = mediators
        self.fields["present"].queryset = parties


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[(s.value, s.label) for s in OUTCOMES])
    agreement_text = forms.CharField(
        label=_("Terms agreed"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    referred_to = forms.ChoiceField(label=_("Referred to"), choices=ReferredTo.choices, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReferForm(forms.Form):
    referred_to = forms.ChoiceField(label=_("Referred to"), choices=ReferredTo.choices[1:])
    note = forms.CharField(label=_("Note"), required=False)


class SignatureForm(forms.Form):
    party = forms.ModelChoiceField(queryset=None, label=_("Party"), empty_label=None)
    file = forms.FileField(label=_("Signed page (photo or PDF)"))

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parties


class VisitForm(forms.Form):
    holding = forms.TypedChoiceField(
        label=_("Does the agreement hold?"),
        choices=[("yes", _("Yes, it holds")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("What the visit found"), widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
