"""Every word the pages show for a stored value, translatable (zh-hans default, en).

The model choices carry Chinese labels only; the pages need both languages, so the
labels live here as English message ids with their Chinese in backend/locale.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from backend.registry import texts

LEVELS = {
    "top_secret": gettext_lazy("Top secret"),
    "secret": gettext_lazy("Secret"),
    "confidential": gettext_lazy("Confidential"),
    "none": gettext_lazy("None"),
}
STATUSES = {
    "draft": gettext_lazy("Draft"),
    "referred": gettext_lazy("Referred upward"),
    "registered": gettext_lazy("Registered"),
    "in_storage": gettext_lazy("In storage"),
    "in_use": gettext_lazy("Checked out"),
    "in_transit": gettext_lazy("In transit"),
    "in_repair": gettext_lazy("In repair"),
    "off_site": gettext_lazy("Carried out"),
    "pending_destruction": gettext_lazy("Awaiting destruction"),
    "destroyed": gettext_lazy("Destroyed"),
    "lost": gettext_lazy("Lost"),
}
FORMS = {
    "paper": gettext_lazy("Paper"),
    "magnetic": gettext_lazy("Magnetic"),
    "optical": gettext_lazy("Optical"),
    "electronic": gettext_lazy("Electronic"),
    "device": gettext_lazy("Device"),
}
ACTIONS = {
    "register": gettext_lazy("Register"),
    "checkout": gettext_lazy("Check out"),
    "return": gettext_lazy("Return"),
    "transfer": gettext_lazy("Transfer"),
    "dispatch": gettext_lazy("Dispatch"),
    "receive": gettext_lazy("Receive"),
    "store": gettext_lazy("Store"),
    "repair_out": gettext_lazy("Repair out"),
    "repair_in": gettext_lazy("Repair in"),
    "inventory": gettext_lazy("Inventory"),
    "destroy_request": gettext_lazy("Destruction request"),
    "destroy_approve": gettext_lazy("Destruction approved"),
    "destroy_witness": gettext_lazy("Witness confirmed"),
    "destroy": gettext_lazy("Destroyed"),
    "report_lost": gettext_lazy("Reported lost"),
    "found": gettext_lazy("Found"),
    "remove_storage": gettext_lazy("Storage removed"),
    "install_storage": gettext_lazy("Storage installed"),
    "carry_out": gettext_lazy("Carry out"),
    "carry_in": gettext_lazy("Carried back in"),
    # The 定密 steps and the label, which the ledger records beside the custody moves.
    "review": gettext_lazy("Classification reviewed"),
    "refer": gettext_lazy("Referred upward"),
    "reject": gettext_lazy("Classification not approved"),
    "classify": gettext_lazy("Classification approved"),
    "declassify": gettext_lazy("Declassified"),
    "label_printed": gettext_lazy("Label printed"),
}
ALERT_KINDS = {
    "overdue_return": gettext_lazy("Overdue return"),
    "overdue_repair": gettext_lazy("Overdue repair"),
    "transit_overdue": gettext_lazy("Transit not received"),
    "custody_mismatch": gettext_lazy("Custody mismatch"),
    "destruction_overdue": gettext_lazy("Destruction overdue"),
    "inventory_missing": gettext_lazy("Missing at inventory"),
    "loss_report_due": gettext_lazy("Loss report due"),
    "period_expiring": gettext_lazy("Secrecy period expiring"),
    "holder_departing": gettext_lazy("Holder departing"),
    "ledger_broken": gettext_lazy("Ledger chain broken"),
    "backup_failed": gettext_lazy("Backup failed"),
    "meeting_unreturned": gettext_lazy("Meeting copy not returned"),
    "carry_out_overdue": gettext_lazy("Carried out, overdue"),
    "campaign_overdue": gettext_lazy("Return campaign overdue"),
    "finding_overdue": gettext_lazy("Finding overdue"),
}
ALERT_STATUSES = {
    "open": gettext_lazy("Open"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "resolved": gettext_lazy("Resolved"),
}
ROLES = texts.ROLES
# The registers by their API names (CONTRACT.md ``/registers/{name}``); in Chinese the
# titles the registers themselves carry (backend/registers/selectors.py ``TITLES``).
REGISTERS = {
    "carriers": gettext_lazy("Register of classified carriers"),
    "classifications": gettext_lazy("Register of classification decisions"),
    "lending": gettext_lazy("Lending register"),
    "destruction": gettext_lazy("Destruction register"),
    "media": gettext_lazy("Register of classified storage media"),
    "computers": gettext_lazy("Register of classified computers"),
    "carry-outs": gettext_lazy("Register of carriers carried out"),
    "meetings": gettext_lazy("Register of meeting documents issued and collected"),
    "campaigns": gettext_lazy("Register of carriers called back by return campaigns"),
}
# The 定密 steps a case is at (backend/classification CaseState).
CASE_STATES = {
    "proposed": gettext_lazy("Proposed, awaiting review"),
    "reviewed": gettext_lazy("Reviewed, awaiting approval"),
    "referred": gettext_lazy("Referred upward"),
    "approved": gettext_lazy("Approved"),
    "amended": gettext_lazy("Approved with changes"),
    "rejected": gettext_lazy("Not approved"),
}


def word(table: dict[str, Any], value: str | None) -> str:
    if value is None:
        return ""
    return str(table.get(value, value))


def reason(code: str, details: dict[str, Any], message: str, names: dict[str, str]) -> str:
    """A refusal in plain words for the clerk at the desk (the service's English message
    stays available as the technical detail)."""
    person = names.get(str(details.get("person", "")), str(details.get("person", "")))
    why = str(details.get("reason", ""))
    if code == "bad_check_character":
        return _("The code was misread or mistyped (wrong check character). Scan it again.")
    if code == "unknown_code":
        return _("Unknown code %(code)s: no carrier, person or place has it.") % {
            "code": details.get("code", "")
        }
    if code == "clearance_insufficient":
        return _("%(person)s is not cleared for this carrier's level.") % {"person": person}
    if code == "outside_scope":
        return _("%(person)s is outside this carrier's knowledge scope.") % {"person": person}
    if code == "not_attendee":
        return _("%(person)s is not on this meeting's attendee list.") % {"person": person}
    if why == "meeting_closed":
        return _("This meeting is closed: nothing more is issued.")
    if code == "conflict":
        return _("Another desk is handling this carrier right now. Scan it again.")
    if code == "voided_label":
        return _(
            "Label %(code)s is void: carrier %(carrier)s got a new label. Scan the new label "
            "and hand the old one in for destruction."
        ) % {"code": details.get("code", ""), "carrier": details.get("carrier", "")}
    if code == "storage_inside":
        return _(
            "Storage is still inside this device (%(storage)s): remove it with a remove_storage "
            "scan before an outside repair, or record the repair as on site and supervised."
        ) % {"storage": details.get("storage", "")}
    if code == "not_approved" or why == "not_on_request":
        # The carry-out's own sentence (backend/carryouts/scans.py), already in the
        # reader's language: which request, which dates.
        return message
    if why == "not_installed":
        return _("This medium is not installed in a device.")
    if why == "installed":
        return _(
            "This medium is installed in %(host)s and moves only with it: remove it first "
            "(remove_storage)."
        ) % {"host": details.get("host", "")}
    if why == "host_not_device":
        return _("%(host)s is not a registered computer or device that takes storage.") % {
            "host": details.get("host", "")
        }
    if why == "host_away":
        return _("%(host)s is not on hand: storage is installed in a device in custody here.") % {
            "host": details.get("host", "")
        }
    if why == "not_storage":
        return _("Only storage media (U盘, disks, discs, memory cards) go into a device.")
    if code == "level_lowered":
        return _(
            "This medium has held %(held)s information: it is never used in a device of a "
            "lower level (%(level)s)."
        ) % {
            "held": word(LEVELS, str(details.get("high_water", ""))),
            "level": word(LEVELS, str(details.get("level", ""))),
        }
    if why == "escort_required":
        return _("A top-secret carrier moves only with a second person: scan the escort's badge.")
    if why == "request_pending":
        return _("A destruction request is already pending for this carrier.")
    if why == "approver_is_requester":
        return _("The requester cannot approve their own destruction request.")
    if why == "no_request":
        return _("There is no destruction request to approve.")
    if why == "witness_is_requester":
        return _("The person who requested the destruction cannot witness it.")
    if why == "already_witnessed":
        return _("%(person)s has already confirmed this destruction.") % {"person": person}
    if why == "witnesses_missing":
        return _("Destruction needs two witnesses; %(n)s confirmed so far.") % {
            "n": details.get("confirmed", "0")
        }
    if why == "stocktake_closed":
        return _("This stocktake is closed: open a new one to count again.")
    if why == "stocktake_elsewhere":
        return _("This stocktake counts another location; scan the carriers that are here.")
    if why == "role_missing":
        return _("Your roles do not allow this action.")
    if why == "inactive":
        return _("This person is not active.")
    if code == "invalid_transition" and "status" in details:
        return _("This carrier is %(status)s: it cannot be %(action)s.") % {
            "status": word(STATUSES, str(details["status"])).lower(),
            "action": word(ACTIONS, str(details.get("action", ""))).lower(),
        }
    if code == "invalid" and "counterpart" in message:
        return _("Scan the receiver's badge before confirming.")
    if code == "invalid" and "location" in message:
        return _("Choose or scan the location first.")
    if code == "forbidden" and "person" in details and not why:
        return _("%(person)s is not an active witness.") % {"person": person}
    return in_language(code, message)


# A refusal whose service sentence is not in the reader's language (the ledger's own
# sentences are English): the plain meaning of its stable code instead.
_BY_CODE = {
    "forbidden": gettext_lazy("Not allowed: your roles or clearance do not permit this."),
    "invalid": gettext_lazy("The entry is not valid: check what was scanned or typed."),
    "invalid_transition": gettext_lazy("This step is not possible in the carrier's state."),
    "not_found": gettext_lazy("Not found."),
    "unknown_code": gettext_lazy("Unknown code: no carrier, person or place has it."),
    "rate_limited": gettext_lazy("Too many attempts: wait a moment and try again."),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def in_language(code: str, message: str) -> str:
    """``message`` when it reads in the active language, else its code's meaning."""
    if (get_language() or "").startswith("en") or _CJK.search(message):
        return message
    return str(_BY_CODE.get(code, _BY_CODE["invalid"]))
