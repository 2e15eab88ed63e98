import django_filters
from django.db.models import Q
from django.utils import timezone

from .models import Alert, Case, CaseLevel, Source, Urgency
from .selectors import case_area_q
from .workflow import FINAL, Status


class CaseFilter(django_filters.FilterSet):
    # distinct=False: the filter is one column of one table; DISTINCT over every column would cost a sort.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    category = django_filters.CharFilter(
        method="filter_category", label="category code (a major class includes its minors)"
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    level = django_filters.ChoiceFilter(choices=CaseLevel.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    area = django_filters.CharFilter(method="filter_area", label="area subtree (code)")
    department = django_filters.CharFilter(
        field_name="handling_department__code", label="handling department code"
    )
    team = django_filters.CharFilter(field_name="handling_area__code", label="handling team area code")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    warning = django_filters.BooleanFilter(method="filter_warning")
    supervised = django_filters.BooleanFilter(field_name="is_supervised")
    open = django_filters.BooleanFilter(method="filter_open")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    closed_after = django_filters.IsoDateTimeFilter(field_name="closed_at", lookup_expr="gte")
    closed_before = django_filters.IsoDateTimeFilter(field_name="closed_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_text", label="text in number, title, description or address")
    mine = django_filters.BooleanFilter(method="filter_mine", label="cases naming you their handler (签收人)")

    class Meta:
        model = Case
        fields = []

    def filter_area(self, qs, name, value):
        return qs.filter(case_area_q(value)) if value else qs

    def filter_category(self, qs, name, value):
        return qs.filter(Q(category__code=value) | Q(category__parent__code=value))

    def filter_overdue(self, qs, name, value):
        overdue = Q(stage_due_at__lt=timezone.now()) & ~Q(status__in=FINAL) & ~Q(status=Status.SUSPENDED)
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_warning(self, qs, name, value):
        return qs.filter(alert=Alert.YELLOW) if value else qs.exclude(alert=Alert.YELLOW)

    def filter_open(self, qs, name, value):
        return qs.exclude(status__in=FINAL) if value else qs.filter(status__in=FINAL)

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return qs.none()
        return qs.filter(assignee_id=user.pk) if value else qs.exclude(assignee_id=user.pk)

    def filter_text(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(number=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(address__icontains=value)
        )
