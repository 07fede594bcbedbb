from django.urls import include, path

from backend.api.main import api
from backend.core import views

urlpatterns = [
    path("", views.sign_in, name="sign-in"),
    path("api/v1/", api.urls),
    path("", include("backend.desk.urls")),
    path("", include("backend.core.urls")),
    path("", include("backend.security.urls")),
]
