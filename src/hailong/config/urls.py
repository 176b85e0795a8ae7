from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("hailong.core.urls")),
    path("accounts/", include("hailong.accounts.urls")),
    path("units/", include("hailong.units.urls")),
    path("audit/", include("hailong.audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Hài Lòng"
admin.site.site_title = "Hài Lòng"
