from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # The public survey pages first: the busiest routes are matched without trying the others.
    path("", include("hailong.collection.urls_survey")),
    path("", include("hailong.core.urls")),
    path("accounts/", include("hailong.accounts.urls")),
    path("units/", include("hailong.units.urls")),
    path("audit/", include("hailong.audit.urls")),
    path("questionnaires/", include("hailong.methodology.urls")),
    path("campaigns/", include("hailong.campaigns.urls")),
    path("collect/", include("hailong.collection.urls_staff")),
    path("results/", include("hailong.indices.urls")),
    path("par/", include("hailong.parindex.urls")),
    # The public portal (no sign-in): published results, methodology, open data.
    path("cong-khai/", include("hailong.portal.urls")),
    path("reports/", include("hailong.reports.urls")),
    path("sampling/", include("hailong.sampling.urls")),
    path("fieldwork/", include("hailong.fieldwork.urls")),
    path("quality/", include("hailong.quality.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Hài Lòng"
admin.site.site_title = "Hài Lòng"
