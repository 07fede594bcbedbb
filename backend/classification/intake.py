"""A new carrier enters Custos: its row, its ledger chain and, for a draft, its 定密 proposal.

The registry writes the row, custody opens the chain with the ``register`` event (seq 1)
and the classification procedure opens the proposal, all in one transaction. This lives
in classification because it is the lowest app that may call all three (the registry
never calls upward; docs/architecture.md).
"""

from __future__ import annotations

from datetime import date
from typing import cast

from django.db import transaction

from backend.classification.models import CaseKind
from backend.classification.services import proposal_open
from backend.custody.services import ledger_open
from backend.registry.marking import Period
from backend.registry.media_services import MediumSpec, medium_attach
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal
from backend.registry.services import carrier_create


@transaction.atomic
def carrier_register(
    *,
    principal: Principal,
    title: str,
    form: str,
    level: str,
    period: Period,
    basis: str,
    custodian: Person,
    location: Location,
    copy_no: int | None = None,
    copies_total: int | None = None,
    scope: list[Person] | None = None,
    parent: Carrier | None = None,
    issued_on: date | None = None,
    draft: bool = True,
    medium: MediumSpec | None = None,
    round_kind: str = CaseKind.INITIAL,
    round_reason: str = "",
) -> Carrier:
    """Register a carrier and open its ledger chain with a ``register`` event (seq 1).

    With ``draft`` (the default, and what ``POST /carriers`` does) the carrier starts as
    ``draft``: the registrar is the handler (承办人) and what they entered is the proposal
    that a reviewer and a classification authority decide on. ``draft=False`` registers
    at once, for carriers whose classification was decided before they entered Custos
    (stock classified on paper, copies made under an approved copy request, the demo
    seed); it is not reachable over HTTP. ``medium`` records a storage medium or device
    (its serial unique in the unit, its level never below what it has held).
    ``round_kind`` and ``round_reason`` name the draft's first round where it is not an
    initial classification (a compilation, 汇编).
    """
    carrier = carrier_create(
        principal=principal,
        title=title,
        form=form,
        level=level,
        period=period,
        basis=basis,
        custodian=custodian,
        location=location,
        copy_no=copy_no,
        copies_total=copies_total,
        scope=scope,
        parent=parent,
        issued_on=issued_on,
        draft=draft,
    )
    if medium is not None:
        medium_attach(carrier=carrier, spec=medium)
    # cast: carrier_create set it to the registrar it checked (the column is nullable).
    actor = cast(Person, carrier.registered_by)
    ledger_open(carrier=carrier, actor=actor)
    if draft:
        proposal_open(carrier=carrier, proposer=actor, kind=round_kind, reason=round_reason)
    return carrier
