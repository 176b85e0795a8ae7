from django.urls import path

from hailong.units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_list, name="list"),
    path("import/", views.unit_import, name="import"),
    path("export.csv", views.unit_export, name="export"),
    path("<int:unit_id>/", views.unit_detail, name="detail"),
    path("<int:unit_id>/edit/", views.unit_edit, name="edit"),
    path("<int:unit_id>/add/", views.unit_add_child, name="add_child"),
]
