from django.contrib import admin

from hailong.accounts.admin_scope import ScopedAdminMixin
from hailong.accounts.models import RoleAssignment, User
from hailong.accounts.roles import Perm


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_perm = Perm.ACCOUNTS_VIEW
    change_perm = ""  # granting goes through the users screens (no escalation, audited)
    list_display = ("user", "role", "unit", "granted_by", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "unit", "granted_by")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("username", "full_name", "email", "is_active", "last_login")
    search_fields = ("username", "full_name", "email")
    fields = ("username", "full_name", "email", "phone", "is_active", "last_login", "date_joined")
    readonly_fields = ("username", "is_active", "last_login", "date_joined")

    def get_queryset(self, request):
        from hailong.accounts.selectors import user_list_for

        return user_list_for(actor=request.user)

    def has_module_permission(self, request):
        from hailong.accounts import permissions

        return permissions.has_perm(request.user, Perm.ACCOUNTS_VIEW)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
