from django.urls import path

from hailong.collection import views_survey

app_name = "survey"
urlpatterns = [
    path("s/<str:token>/", views_survey.survey_by_link, name="link"),
    path("s/<str:token>/cam-on/", views_survey.survey_thanks, name="thanks"),
    path("s/<str:token>/submit", views_survey.submit_json, name="submit_json"),
    path("i/<str:token>/", views_survey.survey_by_invitation, name="invitation"),
    path("i/<str:token>/cam-on/", views_survey.invitation_thanks, name="invitation_thanks"),
]
