"""Where a risk notice (``risk.services``) links, for a reader who may open the page (``dispatch.targets``,
registered in ``RiskConfig.ready``): a warning given to the reader's unit → the warning's page; the centre's
"N new early warnings" → the warning queue, all the reader can see."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dispatch.targets import Target, key_ids
from grids.scope import scoped

from . import selectors
from .models import RiskWarning


def warning_targets(user, rows) -> dict[int, Target]:
    ids = key_ids(rows, r"risk-warning:(\d+):.*")
    visible = set(
        scoped(user, RiskWarning.objects.filter(pk__in=set(ids.values())))
        .values_list("pk", flat=True)
        .order_by()
    )
    label = _("Open the warning")
    return {n: Target(reverse("risk:warning", args=[pk]), label) for n, pk in ids.items() if pk in visible}


def warnings_targets(user, rows) -> dict[int, Target]:
    if not selectors.sees_warnings(user):
        return {}
    url = reverse("risk:warnings") + "?show=all"
    label = _("Open the warning queue")
    return {n.pk: Target(url, label) for n in rows}
