from django.contrib import admin

from hailong.accounts.roles import Perm
from hailong.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_username", "action", "target_repr", "unit_name", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_username", "target_repr")

    def get_queryset(self, request):
        from hailong.audit.selectors import audit_events_for

        return audit_events_for(user=request.user)

    def has_module_permission(self, request):
        from hailong.accounts import permissions

        return permissions.has_perm(request.user, Perm.AUDIT_VIEW)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
