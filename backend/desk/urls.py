from django.urls import path

from backend.desk import (
    views_dashboard,
    views_desk,
    views_destruction,
    views_imports,
    views_labels,
    views_register,
    views_registers,
    views_stocktake,
)

app_name = "desk"

urlpatterns = [
    path("desk/", views_desk.handover, name="handover"),
    path("desk/scan/", views_desk.handover_submit, name="handover-submit"),
    path("desk/badge/<str:code>/", views_desk.badge, name="badge"),
    path("desk/carrier/<str:code>/", views_desk.carrier_level, name="carrier-level"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("dashboard/alerts/<int:alert_id>/ack/", views_dashboard.acknowledge, name="ack"),
    path("dashboard/tiles/", views_dashboard.tiles, name="tiles"),
    path("carriers/<str:code>/", views_dashboard.timeline, name="timeline"),
    path("destruction/", views_destruction.requests, name="destruction"),
    path("destruction/site/", views_destruction.site, name="site"),
    path("destruction/site/panel/", views_destruction.site_panel, name="site-panel"),
    path("destruction/certificate.pdf", views_destruction.certificate_pdf, name="certificate"),
    path("register/", views_register.register, name="register"),
    path("classification/", views_register.decisions, name="decisions"),
    path("labels/", views_register.labels_page, name="labels"),
    path("labels/sheet.pdf", views_register.sheet_pdf, name="sheet"),
    path("labels/print/", views_labels.label_print, name="label-print"),
    path("labels/bulk/", views_labels.bulk_start, name="bulk-start"),
    path("labels/bulk/<int:job_id>/", views_labels.bulk_progress, name="bulk-progress"),
    path("labels/<str:code>.<str:fmt>", views_register.label_file, name="label-file"),
    path("imports/", views_imports.imports_page, name="imports"),
    path("imports/start/", views_imports.import_start, name="import-start"),
    path("imports/<int:job_id>/", views_imports.import_progress, name="import-progress"),
    path("imports/mappings/", views_imports.mapping_create, name="import-mapping"),
    path("registers/", views_registers.registers_page, name="registers"),
    path("registers/exports/", views_registers.export_start, name="register-export"),
    path("registers/exports/mine/", views_registers.exports_mine, name="register-exports-mine"),
    path(
        "registers/exports/<int:job_id>/",
        views_registers.export_progress,
        name="register-export-progress",
    ),
    path(
        "registers/exports/<int:job_id>/download",
        views_registers.export_download,
        name="register-download",
    ),
    path("stocktakes/", views_stocktake.stocktakes, name="stocktakes"),
    path("stocktakes/open/", views_stocktake.stocktake_open, name="stocktake-open"),
    path("stocktakes/<int:stocktake_id>/", views_stocktake.stocktake, name="stocktake"),
    path(
        "stocktakes/<int:stocktake_id>/scan/",
        views_stocktake.stocktake_scan,
        name="stocktake-scan",
    ),
    path(
        "stocktakes/<int:stocktake_id>/close/",
        views_stocktake.stocktake_close,
        name="stocktake-close",
    ),
    path(
        "stocktakes/<int:stocktake_id>/report.pdf",
        views_stocktake.stocktake_report_pdf,
        name="stocktake-report",
    ),
]
