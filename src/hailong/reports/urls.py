from django.urls import path

from hailong.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/<int:campaign_id>/", views.campaign_dashboard, name="campaign"),
    path("runs/<int:run_id>/", views.dashboard, name="dashboard"),
    path("runs/<int:run_id>/units/<int:unit_id>/", views.scorecard, name="scorecard"),
    path("runs/<int:run_id>/exports/", views.export_create, name="export_create"),
    path("exports/<int:job_id>/", views.export_detail, name="export"),
    path("exports/<int:job_id>/file/", views.export_download, name="export_download"),
    path("assets/vega-<str:version>.js", views.vega_bundle, name="vega"),
]
