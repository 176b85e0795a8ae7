from django.urls import path

from hailong.parindex import views

app_name = "parindex"
urlpatterns = [
    path("", views.home, name="home"),
    path("danh-gia/<int:pk>/", views.assessment, name="assessment"),
    path("danh-gia/<int:pk>/diem/<int:score_pk>/", views.score_self, name="score_self"),
    path("danh-gia/<int:pk>/tai-lieu/<int:score_pk>/", views.evidence_add, name="evidence_add"),
    path("danh-gia/<int:pk>/nop/", views.submit, name="submit"),
    path("danh-gia/<int:pk>/tham-dinh/<int:score_pk>/", views.appraise, name="appraise"),
    path("danh-gia/<int:pk>/so-bo/", views.preliminary, name="preliminary"),
    path("danh-gia/<int:pk>/phan-hoi/", views.respond, name="respond"),
    path("danh-gia/<int:pk>/chot/", views.finalise, name="finalise"),
    path("danh-gia/<int:pk>/mat-diem/", views.lost, name="lost"),
    path("tai-lieu/<int:pk>/", views.evidence_download, name="evidence"),
    path("ky/<int:pk>/", views.cycle, name="cycle"),
    path("ky/<int:pk>/ket-qua.xlsx", views.cycle_xlsx, name="cycle_xlsx"),
    path("ky/<int:pk>/cong-bo/", views.cycle_publish, name="cycle_publish"),
    path("ky/<int:pk>/dieu-tra/", views.cycle_survey, name="cycle_survey"),
    path("bo-tieu-chi/nhap/", views.set_import, name="set_import"),
    path("bo-tieu-chi/<int:pk>.xlsx", views.set_xlsx, name="set_xlsx"),
]
