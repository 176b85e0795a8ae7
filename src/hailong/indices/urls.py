from django.urls import path

from hailong.indices import views, views_publication

app_name = "indices"
urlpatterns = [
    path("", views.results_home, name="home"),
    path("campaigns/<int:campaign_id>/", views.campaign_runs, name="campaign"),
    path("campaigns/<int:campaign_id>/population/", views.population, name="population"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/units/<int:unit_id>/", views.run_unit, name="run_unit"),
    path("runs/<int:run_id>/publish/", views_publication.run_publish_view, name="run_publish"),
    path(
        "runs/<int:run_id>/withdraw/",
        views_publication.publication_withdraw_view,
        name="publication_withdraw",
    ),
]
