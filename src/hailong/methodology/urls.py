from django.urls import path

from hailong.methodology import views

app_name = "methodology"
urlpatterns = [
    path("", views.questionnaire_list, name="list"),
    path("import/", views.questionnaire_import, name="import"),
    path("template/", views.questionnaire_from_template, name="template"),
    path("v/<int:version_id>/", views.version_detail, name="version"),
    path("v/<int:version_id>/action/", views.version_action, name="version_action"),
    path("v/<int:version_id>/export.<str:fmt>", views.version_export, name="export"),
    path("v/<int:version_id>/preview/", views.version_preview, name="preview"),
    path("v/<int:version_id>/q/<int:question_id>/", views.question_edit, name="question_edit"),
]
