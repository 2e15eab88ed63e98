"""Server-rendered case pages. Every read goes through ``cases_visible_to`` (out of scope → 404) and every
write through a service; action input is validated with the API's serializers.

- ``queues``: the work queues with counts, filters in the URL, bulk dispatch
- ``report``: the report form (phone first) and the user's grid boundaries for its map
- ``detail``: the case page and its workflow actions, photos through the scope
- ``site``: grid corrections (whistles and arrivals on site are dispatch's: ``dispatch.views``)
"""

from .detail import attachment_file, case_act, case_detail
from .queues import bulk_dispatch, case_list
from .report import case_report_page, grid_boundaries, report_duplicates
from .site import correct_area

__all__ = [
    "attachment_file",
    "bulk_dispatch",
    "case_act",
    "case_detail",
    "case_list",
    "case_report_page",
    "correct_area",
    "grid_boundaries",
    "report_duplicates",
]
