from django import forms
from django.utils.translation import gettext_lazy as _


def _people_choices(people):
    return [(p.pk, str(p)) for p in people]


class SwapForm(forms.Form):
    substitute = forms.TypedChoiceField(label=_("Who takes the shift"), coerce=int)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["substitute"].choices = [("", "—")] + _people_choices(people)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusal"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class HandoverForm(forms.Form):
    happened = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    open_matters = forms.CharField(
        label=_("Open matters for the next shift"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RotaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    leader = forms.TypedChoiceField(label=_("Unit leader (approves swaps)"), coerce=int)
    leaders = forms.TypedMultipleChoiceField(
        label=_("Shift leaders (带班领导), one per day in turn"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    officers = forms.TypedMultipleChoiceField(
        label=_("Duty officers (值班员), one per shift in turn"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = _people_choices(people)
        self.fields["leader"].choices = choices
        self.fields["leaders"].choices = choices
        self.fields["officers"].choices = choices
