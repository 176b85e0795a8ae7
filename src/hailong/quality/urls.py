from django.urls import path

from hailong.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:campaign_id>/", views.queue, name="queue"),
    path("<int:campaign_id>/batch/", views.batch_decide, name="batch"),
    path("<int:campaign_id>/approve-unflagged/", views.approve_unflagged_view, name="approve_unflagged"),
    path("<int:campaign_id>/recompute/", views.recompute, name="recompute"),
    path("<int:campaign_id>/settings/", views.settings_view, name="settings"),
    path("<int:campaign_id>/r/<int:response_id>/", views.response_detail, name="response"),
    path("<int:campaign_id>/r/<int:response_id>/decide/", views.response_decide, name="decide"),
]
