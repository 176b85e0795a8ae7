import csv
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.core.messages import validation_messages
from hailong.core.tabular import TableError, read_table
from hailong.units.forms import UnitFilterForm, UnitForm, UnitImportForm
from hailong.units.imports import ImportRejected, units_import
from hailong.units.models import Unit
from hailong.units.selectors import (
    unit_ancestors,
    unit_export_rows,
    unit_get_for,
    unit_list_for,
    unit_predecessors,
    unit_roots_for,
    unit_successors,
)
from hailong.units.services import unit_create, unit_update

EXPORT_COLUMNS = ["code", "name", "type", "parent_code", "valid_from", "valid_to"]


def _today() -> date:
    return date.today()  # noqa: DTZ011 - a calendar day


@login_required
def unit_list(request):
    permissions.require(request.user, Perm.UNITS_VIEW)
    form = UnitFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    as_of = filters.get("as_of") or _today()
    searching = bool(filters.get("q") or filters.get("type"))
    if searching:
        qs = unit_list_for(
            user=request.user, as_of=as_of, unit_type=filters.get("type"), search=filters.get("q", "")
        )
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        units = page.object_list
    else:
        page = None
        units = unit_roots_for(user=request.user, as_of=as_of)
    return render(
        request,
        "units/unit_list.html",
        {
            "form": form,
            "units": units,
            "page": page,
            "searching": searching,
            "as_of": as_of,
            "can_change": permissions.has_perm(request.user, Perm.UNITS_CHANGE),
        },
    )


@login_required
def unit_detail(request, unit_id: int):
    unit = unit_get_for(user=request.user, unit_id=unit_id)
    as_of_form = UnitFilterForm(request.GET or None)
    as_of = (as_of_form.cleaned_data.get("as_of") if as_of_form.is_valid() else None) or (
        _today() if unit.is_valid_on(_today()) else None
    )
    children = unit_list_for(user=request.user, parent=unit, as_of=as_of)
    page = Paginator(children, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "units/unit_detail.html",
        {
            "unit": unit,
            "ancestors": unit_ancestors(unit),
            "page": page,
            "as_of": as_of,
            "predecessors": unit.predecessor_links.select_related("predecessor").order_by(
                "predecessor__code"
            ),
            "origins": unit_predecessors(unit, as_of=date(2025, 6, 30)) if unit.valid_from else [],
            "successors": unit_successors(unit),
            "can_change": permissions.has_perm(request.user, Perm.UNITS_CHANGE, unit),
        },
    )


def _apply_errors(form, exc: ValidationError) -> None:
    for field, message in validation_messages(exc):
        form.add_error("code" if field == "parent" else field if field in form.fields else None, str(message))


@login_required
def unit_edit(request, unit_id: int):
    unit = unit_get_for(user=request.user, unit_id=unit_id, perm=Perm.UNITS_CHANGE)
    registry_unit = unit.registry_key is not None
    initial = {name: getattr(unit, name) for name in UnitForm.base_fields}
    form = UnitForm(request.POST or None, initial=initial, parent=unit.parent, registry_unit=registry_unit)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if registry_unit:
            changes = {k: v for k, v in changes.items() if k not in UnitForm.REGISTRY_LOCKED}
        try:
            unit_update(unit=unit, request=request, **changes)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Unit saved."))
            return redirect("units:detail", unit.pk)
    return render(request, "units/unit_form.html", {"form": form, "unit": unit, "parent": unit.parent})


@login_required
def unit_add_child(request, unit_id: int):
    parent = unit_get_for(user=request.user, unit_id=unit_id, perm=Perm.UNITS_CHANGE)
    form = UnitForm(request.POST or None, parent=parent, initial={"valid_from": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_create(parent=parent, request=request, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Unit created."))
            return redirect("units:detail", unit.pk)
    return render(request, "units/unit_form.html", {"form": form, "unit": None, "parent": parent})


@login_required
def unit_import(request):
    permissions.require(request.user, Perm.UNITS_CHANGE)
    form = UnitImportForm(request.POST or None, request.FILES or None)
    errors: list = []
    file_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = units_import(
                table=read_table(upload, filename=upload.name), actor=request.user, request=request
            )
        except TableError as exc:
            file_error = exc.message
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(
                request,
                _("%(file)s imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {
                    "file": upload.name,
                    "created": len(result.created),
                    "updated": len(result.updated),
                    "unchanged": result.unchanged,
                },
            )
            return redirect("units:list")
    return render(
        request, "units/unit_import.html", {"form": form, "errors": errors, "file_error": file_error}
    )


class _Echo:
    def write(self, value):
        return value


@login_required
def unit_export(request):
    permissions.require(request.user, Perm.UNITS_VIEW)
    form = UnitFilterForm(request.GET or None)
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    scoped = permissions.scope(Unit.objects.all(), request.user, Perm.UNITS_VIEW)
    writer = csv.writer(_Echo())
    rows = (writer.writerow(r) for r in [EXPORT_COLUMNS, *unit_export_rows(as_of=as_of, units=scoped)])
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    suffix = f"-{as_of.isoformat()}" if as_of else ""
    response["Content-Disposition"] = f'attachment; filename="units{suffix}.csv"'
    return response
