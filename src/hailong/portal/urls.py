from django.urls import path, register_converter

from hailong.portal import views, views_par


class DataFormat:
    regex = "csv|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DataFormat, "dataformat")

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("phuong-phap/", views.methodology, name="methodology"),
    path("ngon-ngu/", views.language, name="language"),
    path("chi-so-cchc/", views_par.par_home, name="par_home"),
    path("chi-so-cchc/<int:pk>/", views_par.par_cycle, name="par_cycle"),
    path("<slug:code>/", views.campaign, name="campaign"),
    path("<slug:code>/du-lieu.<dataformat:fmt>", views.opendata, name="opendata"),
    path("<slug:code>/don-vi/<str:unit_code>/", views.unit, name="unit"),
]
