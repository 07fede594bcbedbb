"""The carrier lifecycle: one pure transition table, state × action → new state + guards.

Nothing else in Custos decides whether a custody action is legal. The ingest service
builds the views below from the locked rows, calls :func:`decide`, and applies what it
returns. No Django, no database, no clock: every input is a value, so the whole table is
tested exhaustively (tests/custody/test_lifecycle.py). Its parts: ``terms`` (the actions,
deadlines and views), ``guards``, ``rules`` (the scan table, ``decide``, ``needs``),
``devices`` (what a scanner may record where) and ``rounds`` (the 定密 rows).

Three readers besides ingest, none of which restates a row:
- :func:`needs` tells the handover desk what a scan must name (a receiver, a due time, an
  escort for which levels); the page gets it as JSON data (desk/views_desk.py).
- :data:`CLASSIFICATION` holds the 定密 decisions as rows (round × carrier state → new
  states and ledger event); :func:`judge` decides them and custody/transition.py applies
  the verdict with its event.
- :data:`PROPOSALS` says in which states a new 定密 round of each kind may open.
The states and the level rank come from backend/registry/states.py, also without Django.

Sources: DESIGN.md "Lifecycle", CONTRACT.md's minimum table, Reg Art. 29 (两人以上同行:
绝密 carriers travel with a second person), the destruction procedure (an approved request
and at least two distinct witnesses, none of them the requester).
"""

from __future__ import annotations

# The package's parts, each small enough to read at once; callers import from here.
from backend.custody.lifecycle.devices import DEVICE_ACTIONS, device_may
from backend.custody.lifecycle.rounds import (
    CLASSIFICATION,
    PROPOSALS,
    Decision,
    Ruling,
    Verdict,
    decisions_open,
    judge,
    may_propose,
    medium_keeps_its_level,
)
from backend.custody.lifecycle.rules import (
    FOLLOWED,
    TABLE,
    Needs,
    custody_mismatch,
    decide,
    follows,
    is_allowed,
    needs,
)
from backend.custody.lifecycle.terms import (
    ON_HAND,
    Action,
    CarrierView,
    Deadline,
    Guard,
    HostView,
    Move,
    PersonView,
    Refusal,
    Rule,
    Transition,
    gettext_noop,
)
from backend.registry.states import RANK, Round, State

__all__ = [
    "CLASSIFICATION",
    "DEVICE_ACTIONS",
    "FOLLOWED",
    "ON_HAND",
    "PROPOSALS",
    "RANK",
    "TABLE",
    "Action",
    "CarrierView",
    "Deadline",
    "Decision",
    "Guard",
    "HostView",
    "Move",
    "Needs",
    "PersonView",
    "Refusal",
    "Round",
    "Rule",
    "Ruling",
    "State",
    "Transition",
    "Verdict",
    "custody_mismatch",
    "decide",
    "decisions_open",
    "device_may",
    "follows",
    "gettext_noop",
    "is_allowed",
    "judge",
    "may_propose",
    "medium_keeps_its_level",
    "needs",
]
