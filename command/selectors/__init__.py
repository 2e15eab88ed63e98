"""Reads of the command map and of patrols; importing this package registers the access scopes."""

from .board import (  # noqa: F401
    LIST_LIMIT,
    MAP_ROLES,
    board_counts,
    cases_in_view,
    grid_boundaries,
    grid_load,
    grid_load_body,
    map_roots,
    overdue_cases,
    supervised_cases,
)
from .patrol import (  # noqa: F401
    ACTIVE_MINUTES,
    SUPERVISOR_ROLES,
    active_last_positions,
    may_see_track,
    patrol_team_q,
    retention_days,
    track_of,
)
