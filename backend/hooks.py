"""Every hook: how a lower app causes work in a higher one without importing it.

Each is a Django signal. The app that fires it imports this kernel module; the app that
does the work connects its receiver in its ``subscriptions.py``. ``send_required`` refuses to
fire a hook that nobody listens to: a duty (a log row, an alert) must not vanish because
the app that does it was left out. docs/architecture.md lists who fires and who listens.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

# Reads handed out at a logged level (Reg Art. 20), fired by registry.policy. Sent with
# ``principal``, ``carriers`` (the logged ones), ``what`` and ``shown`` (ids whose title
# the reader saw); the receiver returns the access-log rows it wrote. Receiver: security.
carriers_read = Signal()

# A security auditor read the ledger check, a checkpoint or the receipts' proof (三员分立:
# the auditor's reads are logged too), fired by registry.duties.auditor_read. Sent with
# ``principal``, ``what`` and ``detail``. Receiver: security writes an auditor-read row.
auditor_read = Signal()

# A condition the committee must see has shown (a carrier missing at a stocktake's close,
# found where it was not expected). Sent with ``kind``, ``carrier``, ``opened_at`` and
# ``details``. Receiver: alerts opens the case (one per kind and carrier).
condition_raised = Signal()

# A condition has cleared (the loss report was filed). Sent with ``kind``, ``carrier`` and
# ``at``. Receiver: alerts resolves the open case of that kind for the carrier.
condition_ended = Signal()

# A signed checkpoint was written, fired by custody.statements inside the transaction that
# writes it, so a subscriber's outbox rows commit with it or not at all. Sent with
# ``checkpoint``. Receiver: alerts writes the statement's deliveries (mail, webhook, the
# supervising office).
checkpoint_signed = Signal()

# A storage medium's level rose in a 定密 decision (the high-water rule: it only rises).
# Sent with ``carrier`` and ``actor`` inside the decision's transaction. Receiver: printing
# queues the reprint, at the new level, of the label the medium wears.
level_raised = Signal()

# The sweep runs (alerts.sweep.sweep_run, every CUSTOS_SWEEP_SECONDS): apps whose deadlines
# live in their own rows, not in a carrier's ``due_at``, open their cases. Sent with
# ``now``; each receiver returns how many cases it opened. Receivers: campaigns (a return
# campaign's deadline, ``campaign_overdue``); carryouts (an approved request whose dates
# passed unused is closed; no case).
sweep_due = Signal()

# A person is about to be marked departed (classification.personnel.person_leave, under
# the person's row lock). Sent with ``person``; each receiver returns ``{reason: [carrier
# codes]}`` for what still lists them, empty when nothing does; any code refuses the
# leaving with ``holder_has_carriers``. Receiver: campaigns (an open return campaign).
departure_blockers = Signal()


def send_required(signal: Signal, **kwargs: Any) -> list[Any]:
    """Fire ``signal`` and return each receiver's answer; refuse if nothing listens."""
    if not signal.has_listeners():
        raise ImproperlyConfigured("A hook was fired with no app connected to it.")
    return [answer for _receiver, answer in signal.send(sender=None, **kwargs)]
