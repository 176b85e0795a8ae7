from django.urls import path

from hailong.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/active/", views.user_toggle_active, name="user_toggle_active"),
    path("roles/<int:assignment_id>/revoke/", views.role_revoke_view, name="role_revoke"),
]
