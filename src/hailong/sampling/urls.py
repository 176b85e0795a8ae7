from django.urls import path

from hailong.sampling import views

app_name = "sampling"
urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/<int:campaign_id>/", views.campaign_frames, name="campaign"),
    path("frames/<int:frame_id>/", views.frame_detail, name="frame"),
    path("frames/<int:frame_id>/problems.csv", views.frame_report, name="frame_report"),
    path("frames/<int:frame_id>/samples/new/", views.sample_new, name="sample_new"),
    path("samples/<int:sample_id>/", views.sample_detail, name="sample"),
    path("samples/<int:sample_id>/sizes/", views.sample_sizes, name="sample_sizes"),
    path("samples/<int:sample_id>/people.csv", views.sample_people_csv, name="sample_people_csv"),
]
