from django.urls import path

from hailong.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/status/", views.campaign_status, name="status"),
    path("<int:campaign_id>/units/", views.campaign_participants, name="participants"),
    path("<int:campaign_id>/invitations/", views.campaign_invitations, name="invitations"),
    path("<int:campaign_id>/invitations.csv", views.campaign_invitations_csv, name="invitations_csv"),
    path("<int:campaign_id>/assignments/", views.campaign_assign, name="assign"),
    path("<int:campaign_id>/links/<int:link_id>/qr.svg", views.link_qr, name="link_qr"),
    path("<int:campaign_id>/links/<int:link_id>/poster/", views.link_poster, name="link_poster"),
]
