"""三员分立 on the pages: the security administrator sets people's roles and clearances,
the security auditor reads the access log and the signed checkpoints — and nothing else.

Every rule is in ``backend/registry/duties.py``: the page offers no form for one's own row,
and a forged one is refused by the same service the CLI and the API call.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from backend.custody.selectors import checkpoints_recent
from backend.desk.access import DeskRequest, roles_required
from backend.errors import ServiceError
from backend.registry.duties import auditor_reads, person_duties_set
from backend.registry.levels import Clearance, Role
from backend.registry.selectors import people_active, person_by_code
from backend.registry.texts import ROLES
from backend.security.services import access_log_read

# What a row of either log says was read, in the reader's words.
READS = {
    "carrier": gettext_lazy("a carrier or its page"),
    "list": gettext_lazy("a row of a list"),
    "access_log": gettext_lazy("the access log"),
    "verify": gettext_lazy("the ledger check"),
    "checkpoint": gettext_lazy("a signed checkpoint"),
    "checkpoints": gettext_lazy("the signed checkpoints"),
    "receipts": gettext_lazy("a desk's receipts"),
}


@roles_required("security_admin")
@require_http_methods(["GET", "POST"])
def people(request: DeskRequest) -> HttpResponse:
    """Everyone's roles and clearance; the security administrator changes anyone's but
    their own."""
    principal = request.principal
    banner = None
    if request.method == "POST":
        try:
            person = person_by_code(request.POST.get("person", ""))
            person_duties_set(
                principal=principal,
                person=person,
                roles=request.POST.getlist("roles"),
                clearance=request.POST.get("clearance", ""),
            )
            banner = (True, _("Roles and clearance saved for %(name)s.") % {"name": person.name})
        except ServiceError as exc:
            banner = (False, exc.message)
    rows = [{"person": p, "roles": set(p.roles)} for p in people_active()]
    return render(
        request,
        "desk/people.html",
        {
            "rows": rows,
            "roles": [(r, ROLES.get(r, r)) for r in Role.values],
            "clearances": Clearance.choices,
            "banner": banner,
        },
        status=200 if banner is None or banner[0] else 422,
    )


@roles_required("auditor")
def audit(request: DeskRequest) -> HttpResponse:
    """The auditor's page: the access log, the auditors' own reads and the checkpoints,
    read-only. Opening it leaves a row in the auditors' log."""
    principal = request.principal
    records, reads = access_log_read(principal=principal)
    statements = checkpoints_recent()
    if statements:
        auditor_reads(principal=principal, what="checkpoints", detail=f"#{statements[0].id}…")
    return render(
        request,
        "desk/audit.html",
        {
            "records": [(r, READS.get(r.what, r.what)) for r in records],
            "reads": [(r, READS.get(r.what, r.what)) for r in reads],
            "statements": statements,
        },
    )
