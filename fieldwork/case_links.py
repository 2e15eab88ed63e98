"""The case side of the link between a grid-day finding and its case: the case page shows the visit that
raised it (through ``cases.extensions.page_context``; cases imports nothing of fieldwork). The rows are the
reverse of ``Deployment.case`` (``case.grid_day_findings``)."""

from cases import extensions

from .models import Deployment


@extensions.page_context
def grid_day_findings(case, user) -> dict:
    rows = list(
        Deployment.objects.filter(case=case).select_related("grid_day", "grid", "cadre").order_by("id")[:10]
    )
    return {"grid_day_findings": rows} if rows else {}
