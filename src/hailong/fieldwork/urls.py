from django.urls import path

from hailong.fieldwork import views, views_interviewer

app_name = "fieldwork"
urlpatterns = [
    path("", views.home, name="home"),
    # The interviewer's own pages.
    path("people/", views_interviewer.my_people, name="my_people"),
    path("people/<int:person_id>/outcome/", views_interviewer.outcome, name="outcome"),
    path("people/<int:person_id>/interview/", views_interviewer.interview, name="interview"),
    path("people/<int:person_id>/done/", views_interviewer.interview_done, name="interview_done"),
    path("activate/<str:uidb64>/<str:token>/", views_interviewer.activate, name="activate"),
    # A campaign's fieldwork, for survey managers.
    path("<int:campaign_id>/", views.dashboard, name="dashboard"),
    path("<int:campaign_id>/people/", views.people, name="people"),
    path("<int:campaign_id>/people/<int:person_id>/", views.person_detail, name="person"),
    path("<int:campaign_id>/people/<int:person_id>/status/", views.person_status, name="person_status"),
    path("<int:campaign_id>/people/<int:person_id>/replace/", views.person_replace, name="person_replace"),
    path("<int:campaign_id>/teams/", views.teams, name="teams"),
    path("<int:campaign_id>/teams/import/", views.team_import, name="team_import"),
    path("<int:campaign_id>/teams/links.csv", views.activation_links, name="activation_links"),
    path("<int:campaign_id>/teams/send-links/", views.activation_emails, name="activation_emails"),
    path("<int:campaign_id>/letters.pdf", views.letters, name="letters"),
    path("<int:campaign_id>/sms.csv", views.sms, name="sms"),
    path("<int:campaign_id>/emails.csv", views.emails, name="emails"),
    path("<int:campaign_id>/reminders/", views.reminders, name="reminders"),
]
