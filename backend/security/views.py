"""The second sign-in step: a TOTP code for the roles that need one (and its enrolment)."""

from __future__ import annotations

import base64

import zxingcpp
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.security import services, totp
from backend.security.middleware import TWO_FACTOR_KEY

# Wrong codes in one session before it is ended (the password is then needed again, and
# the sign-in lock-out counts those tries).
MAX_WRONG_CODES = 5


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    target = request.POST.get("next") or request.GET.get("next") or "/home/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/home/"
    if request.session.get(TWO_FACTOR_KEY):
        return redirect(target)
    device = services.totp_enrol(user_id=request.user.pk)
    error = None
    if request.method == "POST":
        if services.totp_verify(user_id=request.user.pk, code=request.POST.get("code", "")):
            request.session.cycle_key()  # a new session id once fully signed in
            request.session[TWO_FACTOR_KEY] = True
            request.session.pop("custos_2fa_wrong", None)
            return redirect(target)
        wrong = int(request.session.get("custos_2fa_wrong", 0)) + 1
        if wrong >= MAX_WRONG_CODES:
            logout(request)
            return redirect(settings.LOGIN_URL)
        request.session["custos_2fa_wrong"] = wrong
        error = _("The code is wrong or has been used already.")
    enrolling = device.confirmed_at is None
    uri = totp.provisioning_uri(device.secret, account=request.user.get_username())
    context = {
        "next": target,
        "error": error,
        "enrolling": enrolling,
        "secret": device.secret if enrolling else None,
        "uri": uri if enrolling else None,
        "qr": _qr_data_uri(uri) if enrolling else None,
    }
    return render(request, "security/second_factor.html", context)


def _qr_data_uri(text: str) -> str:
    """The enrolment key as a QR code, inline as a data: image (no request leaves the
    machine, and the CSP allows ``img-src data:``)."""
    svg = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_svg()
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
