from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.units.choices import ALLOWED_PARENT_TYPES, UnitType
from hailong.units.models import Unit


class UnitCodeField(forms.CharField):
    """A unit typed by its code (with suggestions), resolved among today's units the user may use."""

    def __init__(self, *args, user=None, perm: str = Perm.UNITS_VIEW, **kwargs):
        kwargs.setdefault("label", _("Unit code"))
        kwargs.setdefault("help_text", _("Type the unit's code or pick it from the suggestions."))
        super().__init__(*args, **kwargs)
        self.user, self.perm = user, perm
        self.widget.attrs.update({"list": "unit-suggestions", "autocomplete": "off", "inputmode": "text"})

    def suggestions(self, limit: int = 400) -> list[Unit]:
        today = date.today()  # noqa: DTZ011
        qs = permissions.scope(Unit.objects.valid_on(today), self.user, self.perm)
        return list(qs.order_by("depth", "type", "name")[:limit])

    def clean(self, value):
        code = super().clean(value).strip()
        if not code:
            return None
        # Accept "48 — Thành phố Đà Nẵng" as picked from the suggestions.
        code = code.split(" ", 1)[0]
        today = date.today()  # noqa: DTZ011
        unit = permissions.scope(Unit.objects.valid_on(today).filter(code=code), self.user, self.perm).first()
        if unit is None:
            raise forms.ValidationError(_("No unit with this code exists today within your area."))
        return unit


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, **kwargs):
        kwargs.setdefault("attrs", {}).update({"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
        super().__init__(format="%d/%m/%Y", **kwargs)


class UnitForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name (Vietnamese)"), max_length=255)
    name_en = forms.CharField(label=_("Name (English)"), max_length=255, required=False)
    short_name = forms.CharField(label=_("Short name"), max_length=255, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=UnitType.choices)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())
    address = forms.CharField(label=_("Address"), max_length=500, required=False)

    # Fields the official registry owns; staff may still add an English name or an address.
    REGISTRY_LOCKED = ("code", "name", "type", "valid_from", "valid_to")

    def __init__(self, *args, parent: Unit | None = None, registry_unit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if parent is not None:
            allowed = [
                (v, label) for v, label in UnitType.choices if parent.type in ALLOWED_PARENT_TYPES.get(v, ())
            ]
            self.fields["type"].choices = allowed
        if registry_unit:
            for name in self.REGISTRY_LOCKED:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Set by the official registry.")

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: code, name, type, parent_code, valid_from, valid_to (name_en, short_name, address optional)."
        ),
    )

    MAX_BYTES = 20 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name or code"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *UnitType.choices]
    )
    as_of = forms.DateField(label=_("Existing on"), required=False, widget=DateInput())
