"""Pages: the community desk (desktop: activities, rules, rewards, volunteers, redemption), the grid's team
page, and two pages without login — a grid's public contact card and a volunteer's own phone page (reached
by their signed link). Thin: the same selectors and services as the API; refusals show next to the fields."""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Category
from grids.models import Area, Level
from grids.scope import area_roots, prefix_q, reach, scoped
from notices.models import Notice
from residents.models import Person
from tasks import admission
from tasks.models import AdmissionItem, Assignment, Task

from . import links, selectors, services
from .forms import (
    ActivityForm,
    AdjustForm,
    MeetingForm,
    RedeemForm,
    RewardForm,
    RuleForm,
    TeamMemberForm,
    VolunteerForm,
)
from .models import (
    Activity,
    Council,
    FollowUp,
    Meeting,
    Participation,
    PartyBranch,
    PointRule,
    Reward,
    TeamMember,
    TeamRole,
    Volunteer,
    VoteChoice,
)

MAX_ID = 2**63 - 1


def _refused(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _desk_communities(user):
    """The communities whose desk the user runs (their own, or those under their street or district)."""
    qs = Area.objects.filter(level=Level.COMMUNITY, is_active=True).order_by("code")
    if not user.is_superuser:
        qs = qs.filter(prefix_q("code", reach(user).codes(selectors.DESK_ROLES)))
    return list(qs[:500])


def _community(request, communities):
    code = request.GET.get("community") or request.POST.get("community") or ""
    for c in communities:
        if c.code == code:
            return c
    return communities[0] if communities else None


@login_required
def home(request):
    """The community desk: this month's ranking, activities, rules, the rewards catalogue, and forms."""
    communities = _desk_communities(request.user)
    community = _community(request, communities)
    forms = {
        "activity": ActivityForm(prefix="a"),
        "rule": RuleForm(prefix="r"),
        "reward": RewardForm(prefix="w"),
    }
    if request.method == "POST":
        if community is None:
            raise Http404
        which = request.POST.get("form")
        if which in forms:
            form = forms[which] = {"activity": ActivityForm, "rule": RuleForm, "reward": RewardForm}[which](
                request.POST, prefix=which[0] if which != "reward" else "w"
            )
            if form.is_valid():
                try:
                    done = _home_save(which, request.user, community, form.cleaned_data)
                except ValidationError as exc:
                    _refused(form, exc)
                else:
                    messages.success(request, _("Saved."))
                    if which == "activity":
                        return redirect("community:activity", pk=done.pk)
                    return redirect(f"{request.path}?community={community.code}")
    month = timezone.localdate().replace(day=1)
    roots = area_roots(reach(request.user).codes(selectors.AREA_ROLES))
    scope_codes = [community.code] if community else roots
    ranking = []
    for code in scope_codes:
        ranking += selectors.ranking(area_code=code, month=month, limit=20)
    ranking = sorted(ranking, key=lambda r: -r["earned"])[:20]
    activities = scoped(request.user, Activity.objects.select_related("community")).annotate(
        signed_up=Count("participations")
    )
    if community:
        activities = activities.filter(community=community)
    context = {
        "communities": communities,
        "community": community,
        "forms": forms,
        "month": month,
        "ranking": ranking,
        "activities": activities.order_by("-starts_at")[:20],
        "rules": PointRule.objects.filter(community=community) if community else [],
        "grids": Area.objects.filter(parent=community, is_active=True).order_by("code") if community else [],
        "rewards": Reward.objects.filter(community=community, is_active=True) if community else [],
        "volunteers": scoped(request.user, Volunteer.objects.select_related("person", "area")).order_by(
            "-balance", "id"
        )[:30],
    }
    return render(request, "community/home.html", context)


def _home_save(which, actor, community, data):
    if which == "activity":
        return services.activity_create(actor=actor, community=community, **data)
    if which == "rule":
        return services.point_rule_set(actor=actor, community=community, **data)
    return services.reward_add(actor=actor, community=community, **data)


@login_required
def activity_detail(request, pk):
    if pk > MAX_ID:
        raise Http404
    activity = get_object_or_404(
        scoped(request.user, Activity.objects.select_related("community", "task")), pk=pk
    )
    participations = scoped(
        request.user, activity.participations.select_related("volunteer__person", "volunteer__area")
    ).order_by("id")
    signable = (
        scoped(request.user, Volunteer.objects.filter(community=activity.community, is_active=True))
        .exclude(participations__activity=activity)
        .select_related("person")
        .order_by("person__name")[:200]
    )
    return render(
        request,
        "community/activity.html",
        {
            "activity": activity,
            "participations": participations,
            "signable": signable,
            "desk": selectors.can_run_desk(request.user, activity.community),
            "now": timezone.now(),
        },
    )


def _post_action(request, fn, success):
    try:
        fn()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)


def _id_from(value) -> int:
    value = str(value or "")
    if not value.isdigit() or int(value) > MAX_ID:
        raise Http404
    return int(value)


@login_required
@require_POST
def activity_sign_up(request, pk):
    activity = get_object_or_404(scoped(request.user, Activity.objects.all()), pk=min(pk, MAX_ID))
    volunteer = get_object_or_404(
        scoped(request.user, Volunteer.objects.all()), pk=_id_from(request.POST.get("volunteer"))
    )
    _post_action(
        request,
        lambda: services.activity_sign_up(volunteer=volunteer, activity=activity, actor=request.user),
        _("Signed up."),
    )
    return redirect("community:activity", pk=activity.pk)


@login_required
@require_POST
def activity_check_in(request, pk):
    activity = get_object_or_404(scoped(request.user, Activity.objects.all()), pk=min(pk, MAX_ID))
    participation = get_object_or_404(
        scoped(request.user, Participation.objects.filter(activity=activity)),
        pk=_id_from(request.POST.get("participation")),
    )
    _post_action(
        request,
        lambda: services.participation_check_in(participation=participation, actor=request.user),
        _("Checked in."),
    )
    return redirect("community:activity", pk=activity.pk)


@login_required
@require_POST
def activity_complete(request, pk):
    activity = get_object_or_404(scoped(request.user, Activity.objects.all()), pk=min(pk, MAX_ID))
    _post_action(
        request,
        lambda: services.activity_complete(actor=request.user, activity=activity),
        _("The activity is closed and its points awarded."),
    )
    return redirect("community:activity", pk=activity.pk)


@login_required
def volunteer_detail(request, pk):
    """A volunteer at the community desk: balance and history; redeem a reward; adjust with a reason."""
    if pk > MAX_ID:
        raise Http404
    volunteer = get_object_or_404(
        scoped(request.user, Volunteer.objects.select_related("person", "community", "area")), pk=pk
    )
    desk = selectors.can_run_desk(request.user, volunteer.community)
    rewards = list(Reward.objects.filter(community=volunteer.community, is_active=True, stock__gt=0))
    redeem = RedeemForm(prefix="d", rewards=rewards, initial={"request_token": uuid.uuid4().hex})
    adjust = AdjustForm(prefix="j")
    if request.method == "POST":
        if not desk:
            raise PermissionDenied
        if request.POST.get("form") == "redeem":
            redeem = RedeemForm(request.POST, prefix="d", rewards=rewards)
            if redeem.is_valid():
                data = redeem.cleaned_data
                try:
                    services.reward_redeem(
                        actor=request.user,
                        volunteer=volunteer,
                        reward=next(r for r in rewards if r.pk == data["reward"]),
                        quantity=data["quantity"],
                        request_token=data["request_token"],
                    )
                except ValidationError as exc:
                    _refused(redeem, exc)
                else:
                    messages.success(request, _("Redeemed."))
                    return redirect("community:volunteer", pk=volunteer.pk)
        elif request.POST.get("form") == "adjust":
            adjust = AdjustForm(request.POST, prefix="j")
            if adjust.is_valid():
                try:
                    services.points_adjust(actor=request.user, volunteer=volunteer, **adjust.cleaned_data)
                except ValidationError as exc:
                    _refused(adjust, exc)
                else:
                    messages.success(request, _("Adjusted."))
                    return redirect("community:volunteer", pk=volunteer.pk)
    volunteer.refresh_from_db(fields=["balance"])
    return render(
        request,
        "community/volunteer.html",
        {
            "volunteer": volunteer,
            "desk": desk,
            "redeem": redeem,
            "adjust": adjust,
            "entries": selectors.history(volunteer, limit=50),
            "link": request.build_absolute_uri(
                reverse("public-volunteer", kwargs={"token": services.volunteer_token(volunteer)})
            ),
        },
    )


@login_required
def volunteer_new(request):
    form = VolunteerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        persons = scoped(request.user, Person.objects.select_related("area"))
        person = persons.filter(pk=data.pop("person")).first()
        if person is None:
            form.add_error("person", _("No such person in your area."))
        else:
            try:
                volunteer = services.volunteer_register(actor=request.user, person=person, **data)
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    form.add_error("person", str(exc))
                else:
                    _refused(form, exc)
            else:
                messages.success(request, _("Registered."))
                return redirect("community:volunteer", pk=volunteer.pk)
    return render(request, "community/volunteer_new.html", {"form": form})


@login_required
def team(request, code):
    """A grid's "1+X" team: members by role, party branches, liaisons and volunteers; add a member."""
    area = get_object_or_404(
        scoped(request.user, Area.objects.filter(level__in=services.GRID_LEVELS)), code=str(code)[:24]
    )
    if not reach(request.user).covers(area.code) and not request.user.is_superuser:
        raise Http404  # an ancestor of the user's grid is listed by the area scope for breadcrumbs only
    branches = scoped(request.user, PartyBranch.objects.filter(area__code__in=_self_and_above(area.code)))
    form = TeamMemberForm(request.POST or None, branches=branches)
    can_edit = selectors.can_work_grid(request.user, area)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.team_member_add(actor=request.user, area=area, **form.cleaned_data)
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Added to the team."))
                return redirect("community:team", code=area.code)
    members = scoped(request.user, TeamMember.objects.filter(area=area, is_active=True))
    members = members.select_related("branch")
    return render(
        request,
        "community/team.html",
        {
            "area": area,
            "form": form,
            "can_edit": can_edit,
            "groups": _by_role(members),
            "branches": branches,
            "volunteers": scoped(
                request.user, Volunteer.objects.filter(area_code__startswith=area.code, is_active=True)
            )
            .select_related("person")
            .order_by("-is_liaison", "id")[:100],
        },
    )


def _self_and_above(code):
    return [code[:n] for n in (12, 15, 18) if n <= len(code)]


def _by_role(members):
    groups = {value: [] for value in TeamRole.values}
    for m in members:
        groups[m.role].append(m)
    return [(TeamRole(role).label, rows) for role, rows in groups.items() if rows]


# -- deliberation councils ---------------------------------------------------------------------------------


@login_required
def councils(request):
    """The councils in the user's view, each with its members by role and its latest meetings; the desk
    that runs a council's community records a meeting from here."""
    rows = scoped(request.user, Council.objects.select_related("area")).prefetch_related("members")
    latest = {}
    for m in scoped(request.user, Meeting.objects.filter(council__in=rows)).order_by("-held_at")[:200]:
        latest.setdefault(m.council_id, []).append(m)
    return render(
        request,
        "community/councils.html",
        {
            "rows": [
                (c, latest.get(c.pk, [])[:5], selectors.can_run_desk(request.user, c.area))
                for c in rows.order_by("area_code", "id")[:100]
            ]
        },
    )


@login_required
def meeting_detail(request, pk):
    """A meeting: agenda, members present and absent, quorum, minutes, decisions with each member's vote
    and follow-ups; the desk records a decision and publishes the decisions."""
    meeting = _visible_meeting(request.user, pk)
    desk = selectors.can_run_desk(request.user, meeting.council.area)
    errors: list[str] = []
    if request.method == "POST":
        if not desk:
            raise PermissionDenied
        try:
            services.decision_record(
                actor=request.user,
                meeting=meeting,
                text=(request.POST.get("text") or "")[:500],
                votes=_posted_votes(request, meeting),
                follow_ups=_posted_follow_ups(request),
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("community:meeting", pk=meeting.pk)
    return _meeting_page(request, meeting, desk, errors=errors)


@login_required
def meeting_new(request, pk):
    """Record a meeting held, from the council: when, where, the members present, the agenda and the
    minutes. ``services.meeting_hold`` checks it all; its refusals come back next to the fields (400)."""
    council = get_object_or_404(
        scoped(request.user, Council.objects.select_related("area")), pk=min(pk, MAX_ID)
    )
    if not selectors.can_run_desk(request.user, council.area):
        raise PermissionDenied
    form = MeetingForm(request.POST or None, council=council, rows=_agenda_rows(request))
    agenda_errors: list[str] = []
    status = 200
    if request.method == "POST" and "more" not in request.POST:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_hold(
                    actor=request.user,
                    council=council,
                    held_at=data["held_at"],
                    place=data["place"],
                    present=list(data["present"]),
                    agenda=form.agenda(),
                    minutes=data["minutes"],
                )
            except ValidationError as exc:
                agenda_errors = _refused_meeting(form, exc)
            else:
                messages.success(request, _("Meeting recorded."))
                return redirect("community:meeting", pk=meeting.pk)
    context = {"council": council, "form": form, "agenda_errors": agenda_errors, "more_rows": form.rows + 5}
    return render(request, "community/meeting_new.html", context, status=status)


def _agenda_rows(request) -> int:
    """How many agenda rows to show: the rows posted, plus five when the desk asked for more."""
    text = str(request.POST.get("rows") or request.GET.get("rows") or "")
    rows = int(text) if text.isdigit() and len(text) < 4 else 0
    return rows + 5 if "more" in request.POST else rows


def _refused_meeting(form, exc: ValidationError) -> list[str]:
    """Put the service's refusals next to their fields; the agenda's are returned, to be said above the
    rows (each names its item)."""
    agenda: list[str] = []
    for field, errors in exc.message_dict.items():
        if field == "agenda":
            agenda.extend(errors)
            continue
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    return agenda


def _visible_meeting(user, pk) -> Meeting:
    return get_object_or_404(
        scoped(user, Meeting.objects.select_related("council__area", "notice")), pk=min(pk, MAX_ID)
    )


def _posted_votes(request, meeting) -> dict:
    return {
        str(m.pk): request.POST.get(f"vote-{m.pk}")
        for m in meeting.present.all()
        if request.POST.get(f"vote-{m.pk}")
    }


def _posted_follow_ups(request) -> list[dict]:
    if not (request.POST.get("what") or "").strip():
        return []
    try:
        deadline = datetime.date.fromisoformat(request.POST.get("deadline") or "")
    except ValueError:
        deadline = None
    return [{"what": request.POST.get("what"), "who": request.POST.get("who"), "deadline": deadline}]


def _task_progress(actions) -> dict[int, dict]:
    """Per task a follow-up became: its grids, and those whose work was accepted (one query)."""
    rows = (
        Assignment.objects.filter(task_id__in=[a.task_id for a in actions if a.task_id])
        .values("task_id")
        .annotate(grids=Count("id"), done=Count("id", filter=Q(status=Assignment.Status.ACCEPTED)))
    )
    return {r["task_id"]: r for r in rows}


def _meeting_page(request, meeting, desk, *, errors=(), raising=None, raise_errors=(), status=200):
    present = list(meeting.present.order_by("role", "id"))
    decisions = list(
        meeting.decisions.prefetch_related("votes", "follow_ups__task", "follow_ups__case").order_by("id")
    )
    actions = [f for d in decisions for f in d.follow_ups.all()]
    progress = _task_progress(actions)
    for f in actions:
        f.progress = progress.get(f.task_id)
    members = list(meeting.council.members.order_by("role", "id"))
    present_ids = {m.pk for m in present}
    table = [
        (
            d,
            [
                (m, next((v.get_choice_display() for v in d.votes.all() if v.member_id == m.pk), "—"))
                for m in present
            ],
        )
        for d in decisions
    ]
    raise_choices = (
        _raise_choices(meeting) if desk and any(not (f.task_id or f.case_id) for f in actions) else {}
    )
    return render(
        request,
        "community/meeting.html",
        {
            "meeting": meeting,
            "council": meeting.council,
            "agenda": meeting.agenda.select_related("case", "task").order_by("id"),
            "present": present,
            "absent": [m for m in members if m.pk not in present_ids],
            "table": table,
            "desk": desk,
            "errors": errors,
            "choices": VoteChoice.choices,
            "posted": request.POST,
            "raising": raising,
            "raise_errors": raise_errors,
            **raise_choices,
        },
        status=status,
    )


def _raise_choices(meeting) -> dict:
    """What the desk picks from to turn an action into a task (an item of the list in force, the grids) or
    a case (a category, one grid)."""
    current = admission.in_force()
    items = AdmissionItem.objects.filter(admission_list_id=current.list_id).order_by("code")
    return {
        "items": list(items[:500]) if current.list_id else [],
        "categories": list(
            Category.objects.filter(is_active=True, parent__isnull=False).order_by("code")[:500]
        ),
        "grids": services.grids_concerned(meeting.council),
    }


@login_required
@require_POST
def follow_up_raise(request, pk):
    """Turn a follow-up action into a task to the grids concerned or into a case, as the desk chooses. A
    refusal (an item not admitted, a deadline on a rest day, …) comes back on the meeting's page with its
    reason, next to the action."""
    action = get_object_or_404(FollowUp.objects.select_related("decision"), pk=min(pk, MAX_ID))
    meeting = _visible_meeting(request.user, action.decision.meeting_id)
    if not selectors.can_run_desk(request.user, meeting.council.area):
        raise PermissionDenied
    try:
        if request.POST.get("as") == "case":
            made = services.follow_up_to_case(
                actor=request.user,
                follow_up=action,
                category=Category.objects.filter(pk=_chosen(request, "category")).first(),
                grid=Area.objects.filter(pk=_chosen(request, "grid")).first(),
            )
            messages.success(request, _("Case %(number)s reported.") % {"number": made.number})
        else:
            item = AdmissionItem.objects.filter(pk=_chosen(request, "item")).first()
            services.follow_up_to_task(
                actor=request.user,
                follow_up=action,
                item=item,
                grids=[str(code)[:24] for code in request.POST.getlist("grids")][:500],
            )
            messages.success(request, _("Task sent to the grids."))
    except ValidationError as exc:
        refused = [f"{_field_label(name)}: {m}" for name, ms in exc.message_dict.items() for m in ms]
        return _meeting_page(request, meeting, True, raising=action.pk, raise_errors=refused, status=400)
    return redirect("community:meeting", pk=meeting.pk)


def _chosen(request, name) -> int:
    """The id picked in a select; 0 (nothing) when none was, so the service says what is missing."""
    value = str(request.POST.get(name) or "")
    return int(value) if value.isdigit() and int(value) <= MAX_ID else 0


def _field_label(name: str) -> str:
    labels = {
        "item": _("Admitted item"),
        "deadline": _("Deadline"),
        "grids": _("Grids"),
        "selection": _("Grids"),
        "category": _("Category"),
        "grid": _("Grid"),
        "follow_up": _("Follow-up action"),
        "title": _("Title"),
    }
    return labels.get(name, _("Request"))


@login_required
@require_POST
def activity_from_task(request, pk):
    """Create a volunteer activity for a task in one step (from the task's page), linked to it."""
    task = get_object_or_404(scoped(request.user, Task.objects.all()), pk=min(pk, MAX_ID))
    communities = links.desk_communities(request.user, task)
    if not communities:
        raise PermissionDenied
    form = ActivityForm(request.POST)
    community = _community(request, communities)
    if form.is_valid():
        try:
            activity = services.activity_from_task(
                actor=request.user, task=task, community=community, **form.cleaned_data
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Activity created for the task."))
            return redirect("community:activity", pk=activity.pk)
    return render(
        request,
        "community/activity_from_task.html",
        {"task": task, "form": form, "communities": communities, "community": community},
        status=400,
    )


@login_required
@require_POST
def meeting_publish(request, pk):
    meeting = get_object_or_404(scoped(request.user, Meeting.objects.all()), pk=min(pk, MAX_ID))
    _post_action(
        request,
        lambda: services.decisions_publish(actor=request.user, meeting=meeting),
        _("The decisions are published on the citizens' notices page."),
    )
    return redirect("community:meeting", pk=meeting.pk)


# -- without login ----------------------------------------------------------------------------------------


def public_team(request, code):
    """A grid's public contact card: who to call, by role, with work phones only."""
    area = Area.objects.filter(code=str(code)[:24], level__in=services.GRID_LEVELS, is_active=True).first()
    if area is None:
        raise Http404
    return render(
        request, "community/public_team.html", {"area": area, "groups": _by_role(selectors.public_team(area))}
    )


def public_volunteer(request, token):
    """The volunteer's own page on their phone: balance, history, activities to sign up for and check in."""
    volunteer = services.volunteer_for_token(token)
    if volunteer is None:
        raise Http404
    if request.method == "POST" and request.POST.get("do") == "read":
        notice = Notice.objects.filter(pk=_id_from(request.POST.get("notice"))).first()
        if notice is None:
            raise Http404
        try:
            services.volunteer_notice_read(volunteer=volunteer, notice=notice)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("public-volunteer", token=token)
    if request.method == "POST":
        activity = Activity.objects.filter(
            pk=_id_from(request.POST.get("activity")), community=volunteer.community
        ).first()
        if activity is None:
            raise Http404
        try:
            if request.POST.get("do") == "check_in":
                p = Participation.objects.filter(activity=activity, volunteer=volunteer).first()
                if p is None:
                    raise ValidationError(_("Sign up first."))
                services.participation_check_in(participation=p)
                messages.success(request, _("Checked in."))
            else:
                services.activity_sign_up(volunteer=volunteer, activity=activity)
                messages.success(request, _("Signed up."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("public-volunteer", token=token)
    now = timezone.now()
    mine = {
        p.activity_id: p
        for p in Participation.objects.filter(volunteer=volunteer, activity__ends_at__gte=now)
    }
    upcoming = Activity.objects.filter(
        community=volunteer.community, status=Activity.Status.OPEN, ends_at__gte=now
    ).order_by("starts_at")[:20]
    rows = [
        {
            "activity": a,
            "participation": mine.get(a.pk),
            "can_check_in": a.pk in mine
            and mine[a.pk].checked_in_at is None
            and a.starts_at - services.CHECK_IN_EARLY <= now,
        }
        for a in upcoming
    ]
    return render(
        request,
        "community/public_volunteer.html",
        {
            "volunteer": volunteer,
            "rows": rows,
            "entries": selectors.history(volunteer, limit=30),
            "month_earned": selectors.month_earned(volunteer, datetime.date.today()),
            "notices": list(selectors.volunteer_notices(volunteer)[:20]),
        },
    )
