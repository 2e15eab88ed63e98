"""Pages: the grid worker files the month's screening and records a dispute on the phone; staff follow the
disputes on the desktop (list, detail with sessions, the next step's form, the printable agreement). Thin:
the same selectors and services as the API; refusals come back next to their fields."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.stored_files import stored_file_response
from grids.models import Area, Role
from grids.scope import reach, scoped

from . import selectors, services
from .api import pdf_response
from .forms import (
    ConcludeForm,
    DisputeForm,
    MediatorForm,
    PartyForm,
    ReasonForm,
    ReferForm,
    ScreeningForm,
    SessionForm,
    SignatureForm,
    StartForm,
    VisitForm,
)
from .models import Dispute, Mediator, Screening, Signature
from .sweep import screening_deadline
from .workflow import SESSION_STATES, Status

STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
MAX_ID = 2**63 - 1


def _id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


def _errors_to_form(form, exc: ValidationError):
    for field, texts in exc.message_dict.items():
        target = field if field in form.fields else None
        if field == "party" and "name" in form.fields:
            target = "name"
        elif field == "parties" or field.startswith("parties."):
            row = field.split(".")[1] if "." in field else "0"
            target = f"p{row}_name" if f"p{row}_name" in form.fields else None
        for text in texts:
            form.add_error(target, text)


@login_required
def dispute_list(request):
    wanted = request.GET.get("status", "")
    wanted = wanted if wanted in Status.values else ""
    disputes = selectors.disputes_for(request.user, status=wanted)[:200]
    counts = selectors.status_counts(request.user)
    states = [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    return render(request, "mediation/list.html", {"disputes": disputes, "states": states, "wanted": wanted})


@login_required
def dispute_new(request):
    grids = selectors.team_grids(request.user)
    if not grids.exists():
        raise Http404
    screening = None
    screening_id = _id(request.POST.get("screening") or request.GET.get("screening"))
    if screening_id:
        screening = scoped(request.user, Screening.objects.filter(pk=screening_id)).first()
    initial = {"source": "screening", "screening": screening.pk, "area": screening.area} if screening else {}
    form = DisputeForm(request.POST or None, grids=grids, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                dispute = services.dispute_record(
                    actor=request.user,
                    area=data["area"],
                    title=data["title"],
                    dispute_type=data["dispute_type"],
                    description=data["description"],
                    risk_level=data["risk_level"],
                    risk_reason=data["risk_reason"],
                    source=data["source"],
                    screening=screening if data["source"] == "screening" else None,
                    parties=form.parties(),
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except PermissionDenied as exc:
                form.add_error("area", str(exc))
            else:
                messages.success(request, _("Dispute %(number)s recorded.") % {"number": dispute.number})
                return redirect("mediation:detail", pk=dispute.pk)
        status = 400
    return render(request, "mediation/new.html", {"form": form, "screening": screening}, status=status)


def _visible(user, pk) -> Dispute:
    return get_object_or_404(
        scoped(user, Dispute.objects.select_related("area", "mediator", "case", "screening")), pk=pk
    )


def _forms(dispute, user, bound=None):
    """The forms of the steps the user may take now; ``bound``: (name, form) re-shown with its errors."""
    allowed = set(services.allowed_steps(dispute, user))
    mediators = services.mediators_for(dispute.area_code)
    parties = dispute.parties.all()
    forms = {}
    if "start" in allowed:
        forms["start"] = StartForm(mediators=mediators, prefix="start")
    if dispute.status in SESSION_STATES and services.may_write(user, dispute.area_code):
        forms["session"] = SessionForm(
            mediators=mediators,
            parties=parties,
            prefix="session",
            initial={"held_at": timezone.localtime().replace(second=0, microsecond=0), "present": parties},
        )
    if "agree" in allowed:
        forms["conclude"] = ConcludeForm(prefix="conclude")
    if "refer" in allowed and dispute.status == Status.FAILED:
        forms["refer"] = ReferForm(prefix="refer")
    if dispute.status in (Status.AGREEMENT, Status.PARTIAL) and services.may_write(user, dispute.area_code):
        forms["signature"] = SignatureForm(parties=parties, prefix="signature")
    if dispute.status == Status.FOLLOW_UP and services.may_write(user, dispute.area_code):
        forms["visit"] = VisitForm(prefix="visit")
    if dispute.status not in (Status.SETTLED, Status.CLOSED) and services.may_write(user, dispute.area_code):
        forms["party"] = PartyForm(prefix="party")
    for name in ("resume", "close"):
        if name in allowed:
            forms[name] = ReasonForm(prefix=name)
    if bound:
        forms[bound[0]] = bound[1]
    return forms, allowed


def _detail(request, dispute, bound=None, status=200):
    forms, allowed = _forms(dispute, request.user, bound)
    sessions = dispute.sessions.prefetch_related(
        Prefetch("mediators", queryset=Mediator.objects.order_by("name")), "present"
    ).order_by("held_at")
    context = {
        "d": dispute,
        "parties": list(dispute.parties.select_related("person")),
        "sessions": sessions,
        "signatures": {s.party_id: s for s in dispute.signatures.all()},
        "follow_ups": dispute.follow_ups.order_by("due_on", "id"),
        "events": selectors.dispute_timeline(dispute),
        "forms": forms,
        "may_follow": "follow" in allowed,
        "may_settle": "settle" in allowed,
        "unsigned": services.unsigned_parties(dispute) if dispute.agreement_text else [],
    }
    return render(request, "mediation/detail.html", context, status=status)


@login_required
def dispute_detail(request, pk):
    return _detail(request, _visible(request.user, pk))


def _session(user, dispute, form):
    d = form.cleaned_data
    return services.session_record(
        actor=user,
        dispute_id=dispute.pk,
        held_at=d["held_at"],
        place=d["place"],
        notes=d["notes"],
        mediators=list(d["mediators"]),
        present=list(d["present"]),
    )


STEPS = {
    "start": (
        StartForm,
        lambda u, d, f: services.dispute_start(actor=u, dispute_id=d.pk, mediator=f.cleaned_data["mediator"]),
    ),
    "session": (SessionForm, _session),
    "conclude": (
        ConcludeForm,
        lambda u, d, f: services.dispute_conclude(actor=u, dispute_id=d.pk, **f.cleaned_data),
    ),
    "refer": (ReferForm, lambda u, d, f: services.dispute_refer(actor=u, dispute_id=d.pk, **f.cleaned_data)),
    "resume": (
        ReasonForm,
        lambda u, d, f: services.dispute_resume(actor=u, dispute_id=d.pk, **f.cleaned_data),
    ),
    "close": (ReasonForm, lambda u, d, f: services.dispute_close(actor=u, dispute_id=d.pk, **f.cleaned_data)),
    "signature": (
        SignatureForm,
        lambda u, d, f: services.signature_record(
            actor=u, dispute_id=d.pk, party_id=f.cleaned_data["party"].pk, upload=f.cleaned_data["file"]
        ),
    ),
    "visit": (
        VisitForm,
        lambda u, d, f: services.follow_up_visit(actor=u, dispute_id=d.pk, **f.cleaned_data),
    ),
    "party": (PartyForm, lambda u, d, f: services.party_add(actor=u, dispute_id=d.pk, party=f.cleaned_data)),
    "follow": (None, lambda u, d, f: services.dispute_follow(actor=u, dispute_id=d.pk)),
    "settle": (None, lambda u, d, f: services.dispute_settle(actor=u, dispute_id=d.pk)),
}


@login_required
@require_POST
def dispute_step(request, pk, step):
    dispute = _visible(request.user, pk)
    if step not in STEPS:
        raise Http404
    form_class, run = STEPS[step]
    form = None
    if form_class is not None:
        kwargs = {"prefix": step}
        if form_class is StartForm:
            kwargs["mediators"] = services.mediators_for(dispute.area_code)
        elif form_class is SessionForm:
            kwargs.update(mediators=services.mediators_for(dispute.area_code), parties=dispute.parties.all())
        elif form_class is SignatureForm:
            kwargs["parties"] = dispute.parties.all()
        form = form_class(request.POST, request.FILES, **kwargs)
        if not form.is_valid():
            return _detail(request, dispute, (step, form), status=400)
    try:
        run(request.user, dispute, form)
    except ValidationError as exc:
        if form is None:
            for texts in exc.message_dict.values():
                for text in texts:
                    messages.error(request, text)
            return _detail(request, dispute, status=400)
        _errors_to_form(form, exc)
        return _detail(request, dispute, (step, form), status=400)
    except services.NotAllowedNow as exc:
        messages.error(request, exc.message)
        return _detail(request, _visible(request.user, pk), status=409)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _detail(request, dispute, status=403)
    return redirect("mediation:detail", pk=pk)


@login_required
def agreement_print(request, pk):
    dispute = _visible(request.user, pk)
    if not dispute.agreement_text:
        raise Http404
    return render(
        request,
        "mediation/agreement.html",
        {
            "d": dispute,
            "parties": dispute.parties.all(),
            "sessions": dispute.sessions.prefetch_related("mediators").order_by("held_at"),
            "signatures": {s.party_id: s for s in dispute.signatures.all()},
        },
    )


@login_required
def agreement_file(request, pk):
    dispute = _visible(request.user, pk)
    if not dispute.agreement_text:
        raise Http404
    return pdf_response(dispute)


@login_required
def signature_file(request, pk):
    signature = get_object_or_404(scoped(request.user, Signature.objects.all()), pk=pk)
    return stored_file_response(signature.file, content_type=signature.mime)


@login_required
@require_POST
def from_case(request, case_pk):
    try:
        dispute = services.dispute_from_case(actor=request.user, case_id=case_pk)
    except ValidationError as exc:
        for texts in exc.message_dict.values():
            for text in texts:
                messages.error(request, text)
        return redirect("cases:detail", pk=case_pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("cases:detail", pk=case_pk)
    messages.success(request, _("Dispute %(number)s recorded.") % {"number": dispute.number})
    return redirect("mediation:detail", pk=dispute.pk)


@login_required
def screening(request):
    """The phone page: this month's screening for each of the user's grids, and the form to file one."""
    grids = selectors.team_grids(request.user)
    if not grids.exists():
        raise Http404
    month = timezone.localdate().replace(day=1)
    form = ScreeningForm(request.POST or None, grids=grids)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                filed = services.screening_file(
                    actor=request.user,
                    area=d["area"],
                    month=month,
                    nothing_found=d["nothing_found"],
                    note=d["note"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except PermissionDenied as exc:
                form.add_error("area", str(exc))
            else:
                messages.success(request, _("Screening filed."))
                if not filed.nothing_found:
                    return redirect(f"{reverse('mediation:new')}?screening={filed.pk}")
                return redirect("mediation:screening")
        status = 400
    rows = selectors.screening_status(request.user, month)
    return render(
        request,
        "mediation/screening.html",
        {
            "form": form,
            "rows": rows,
            "month": month,
            "due": _due(month),
            "all_filed": all(filed for _grid, filed in rows) and not form.errors,
        },
        status=status,
    )


def _due(month):
    """The last minute of the filing day, as the page says it."""
    return timezone.localtime(screening_deadline(month)) - timedelta(minutes=1)


@login_required
def mediators(request):
    r = reach(request.user)
    codes = r.codes(STAFF_ROLES)
    areas = Area.objects.filter(code__in=codes) if codes else Area.objects.none()
    if request.user.is_superuser:
        areas = Area.objects.filter(level__in=["district", "street", "community"])
    form = MediatorForm(request.POST or None, areas=areas.order_by("code"))
    status = 200
    if request.method == "POST":
        if not areas.exists():
            raise Http404
        if form.is_valid():
            try:
                services.mediator_register(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except PermissionDenied as exc:
                form.add_error("area", str(exc))
            else:
                messages.success(request, _("Mediator registered."))
                return redirect("mediation:mediators")
        status = 400
    rows = scoped(request.user, Mediator.objects.select_related("area")).order_by("area_code", "name")[:200]
    return render(
        request,
        "mediation/mediators.html",
        {"form": form if areas.exists() else None, "rows": rows},
        status=status,
    )
