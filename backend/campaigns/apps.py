from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "backend.campaigns"
    label = "campaigns"
    verbose_name = "Return campaigns 清退"
    default_auto_field = "django.db.models.BigAutoField"
