from django.urls import path

from backend.security import views

app_name = "security"

urlpatterns = [
    path("security/2fa/", views.second_factor, name="second-factor"),
]
