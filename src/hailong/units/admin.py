from django.contrib import admin

from hailong.accounts.admin_scope import ScopedAdminMixin
from hailong.accounts.roles import Perm
from hailong.units.models import Unit, UnitLineage


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    unit_path_field = "path"
    view_perm = Perm.UNITS_VIEW
    change_perm = ""  # edits go through the units screens, which keep paths and codes consistent
    list_display = ("code", "name", "type", "valid_from", "valid_to", "source")
    list_filter = ("type", "source")
    search_fields = ("code", "name")
    readonly_fields = ("path", "depth", "registry_key")
    raw_id_fields = ("parent",)


@admin.register(UnitLineage)
class UnitLineageAdmin(ScopedAdminMixin, admin.ModelAdmin):
    unit_path_field = "successor__path"
    view_perm = Perm.UNITS_VIEW
    change_perm = ""
    list_display = ("predecessor", "successor", "kind", "share", "effective_date")
    list_filter = ("kind", "share_basis")
    raw_id_fields = ("predecessor", "successor")

    def unit_of(self, obj):
        return obj.successor if obj is not None else None
