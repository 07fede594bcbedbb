from django.urls import path

from backend.api.main import api
from backend.core import views

urlpatterns = [
    path("", views.sign_in, name="sign-in"),
    path("api/v1/", api.urls),
]
