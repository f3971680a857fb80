"""The roadmap's door: lanes, the plan, the what-if and the capacity budget over a session.

Callers (CLI, API, pages, the demo) import the entry points from here; each lives in the
module named after what it does: `lanes.py` (the board, lanes set by hand, the plan),
`answers.py` (what-if answers), `budgets.py` (capacity plans and the report), over the pure
`planner.py`, `whatif.py` and `capacity.py`. Services never commit: the caller owns the
transaction.
"""

from __future__ import annotations

from pavedroad.roadmap.answers import what_if_answer
from pavedroad.roadmap.budgets import capacity_report, quarter_capacity, set_capacity
from pavedroad.roadmap.lanes import (
    plan_roadmap,
    read_backlog,
    set_lane,
    show_roadmap,
    unlock_lane,
)

__all__ = [
    "capacity_report",
    "plan_roadmap",
    "quarter_capacity",
    "read_backlog",
    "set_capacity",
    "set_lane",
    "show_roadmap",
    "unlock_lane",
    "what_if_answer",
]
