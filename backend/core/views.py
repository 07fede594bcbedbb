"""The sign-in page at ``/``, signing out, and each person's home."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.classification.selectors import cases_awaiting
from backend.desk.access import HOMES, person_of
from backend.security.signin import locked_until


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Badge code (the username) and password; then the person's home page."""
    if request.method == "GET" and person_of(request) is not None:
        return redirect("home")
    form = AuthenticationForm(request, data=request.POST or None)
    # The badge code is the username: accept it scanned or typed in any case.
    if request.method == "POST" and form.data.get("username"):
        data = request.POST.copy()  # what the form holds, as a mutable copy
        data["username"] = form.data["username"].strip().upper()
        form = AuthenticationForm(request, data=data)
    error = None
    if request.method == "POST":
        if form.is_valid():
            login(request, form.get_user())
            return redirect("home")
        error = _("Badge code or password is wrong, or the account is not active.")
        if locked_until(form.data.get("username")) is not None:  # docs/security.md
            error = _("Too many failed sign-ins: this badge code is locked for a while.")
    return render(request, "core/sign_in.html", {"form": form, "error": error}, status=200)


@require_http_methods(["POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("sign-in")


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their role uses (the desk for clerks, the dashboard for
    the committee …); someone with no page here sees why."""
    person = person_of(request)
    if person is None:
        return redirect("sign-in")
    if person.has_role("approver") and cases_awaiting(person=person).exists():
        return redirect("desk:decisions")  # a 定密 case waits on them: decide it first
    for role, page in HOMES:
        if person.has_role(role):
            return redirect(page)
    return render(request, "core/no_page.html", {"person": person}, status=403)
