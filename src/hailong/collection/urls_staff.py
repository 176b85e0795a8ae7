from django.urls import path

from hailong.collection import views_staff

app_name = "collect"
urlpatterns = [
    path("", views_staff.assignment_list, name="assignments"),
    path("a/<int:assignment_id>/", views_staff.interview, name="interview"),
    path("a/<int:assignment_id>/done/", views_staff.interview_done, name="interview_done"),
    path("paper/<int:campaign_id>/", views_staff.paper_entry, name="paper"),
    path(
        "paper/<int:campaign_id>/differences/", views_staff.paper_differences_report, name="paper_differences"
    ),
    path(
        "paper/<int:campaign_id>/reconcile/<int:response_id>/",
        views_staff.paper_reconcile_view,
        name="paper_reconcile",
    ),
    path("review/<int:campaign_id>/", views_staff.review_list, name="review"),
    path("review/<int:campaign_id>/<int:rejection_id>/", views_staff.review_detail, name="review_detail"),
]
