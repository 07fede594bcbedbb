from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def sign_in(request: HttpRequest) -> HttpResponse:
    """The sign-in page; the desk issue gives it a form and each role its home."""
    return render(request, "core/sign_in.html")
