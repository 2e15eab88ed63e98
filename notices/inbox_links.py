"""Where a notice (通知公告) put in a reader's inbox links: its page, when the reader may still open it
(``dispatch.targets``, registered in ``NoticesConfig.ready``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dispatch.targets import Target, key_ids
from grids.scope import scoped

from .models import Notice


def notice_targets(user, rows) -> dict[int, Target]:
    ids = key_ids(rows, r"notice:(\d+)")
    visible = set(scoped(user, Notice.objects.filter(pk__in=set(ids.values()))).values_list("pk", flat=True))
    label = _("Open the notice")
    return {n: Target(reverse("notices:detail", args=[pk]), label) for n, pk in ids.items() if pk in visible}
