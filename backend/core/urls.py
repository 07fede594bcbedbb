"""Pages outside the ``desk:`` namespace: the names the sign-in page and Django's i18n use."""

from django.urls import include, path

from backend.core import views as core

urlpatterns = [
    path("home/", core.home, name="home"),
    path("sign-out/", core.sign_out, name="sign-out"),
    path("i18n/", include("django.conf.urls.i18n")),
]
