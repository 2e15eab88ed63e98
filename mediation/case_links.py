"""The case side of the link between a case and its dispute: the case page shows the dispute it became, or
offers to record it as one when its category is a dispute (through ``cases.extensions.page_context``; cases
imports nothing of mediation). The rows are the reverse of ``Dispute.case``."""

from cases import extensions

from .models import Dispute
from .services import DISPUTE_CATEGORY_PREFIX, may_write


@extensions.page_context
def case_dispute(case, user) -> dict:
    if not case.category.code.startswith(DISPUTE_CATEGORY_PREFIX):
        return {}
    dispute = Dispute.objects.filter(case=case).only("id", "status", "opened_at", "title").first()
    return {
        "mediation_case": {
            "dispute": dispute,
            "may_record": dispute is None and may_write(user, case.area_code),
        }
    }
