from django import forms
from django.utils.translation import gettext_lazy as _

from hailong.sampling.choices import AllocationMethod, SelectionMethod, SizeRule, StratumField


class FrameUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Frame file (CSV or XLSX)"),
        # An empty upload reaches the import, which says clearly what is wrong with it.
        allow_empty_file=True,
        help_text=_(
            "The list of completed dossiers exported by the one-stop or public-service system: dossier code, "
            "procedure, field, handling unit, received and returned dates, applicant type, name, phone, e-mail, address."
        ),
    )
    name = forms.CharField(label=_("Name of the frame"), max_length=200, required=False)
    skip_invalid_rows = forms.BooleanField(
        label=_("Import the valid rows and skip the bad ones"),
        required=False,
        help_text=_("Without this, nothing is imported if any row has a problem (all or nothing)."),
    )


def _percent(label, initial, low, high, help_text=""):
    return forms.FloatField(
        label=label, initial=initial, min_value=low, max_value=high, localize=True, help_text=help_text
    )


class SamplePlanForm(forms.Form):
    name = forms.CharField(label=_("Name of the sample"), max_length=200)
    strata_by = forms.MultipleChoiceField(
        label=_("Strata"),
        choices=StratumField.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[StratumField.UNIT],
        help_text=_(
            "Every combination of the chosen fields is a stratum; none chosen: the whole frame is one."
        ),
    )
    method = forms.ChoiceField(
        label=_("Selection"),
        choices=SelectionMethod.choices,
        widget=forms.RadioSelect,
        initial=SelectionMethod.STRATIFIED,
    )
    allocation_method = forms.ChoiceField(
        label=_("Sample sizes"),
        choices=AllocationMethod.choices,
        widget=forms.RadioSelect,
        initial=AllocationMethod.SIZE_RULE,
    )
    rule = forms.ChoiceField(label=_("Sample size rule"), choices=SizeRule.choices, initial=SizeRule.YAMANE)
    margin = _percent(
        _("Margin of error (± percentage points)"), 5, 0.5, 30, _("e = 5 points in the official rule.")
    )
    confidence = _percent(_("Confidence level (%)"), 95, 50, 99.9, _("Cochran's rule only."))
    proportion = _percent(
        _("Expected proportion (%)"), 50, 0, 100, _("Cochran's rule only; 50% is the safe choice.")
    )
    design_effect = forms.FloatField(
        label=_("Design effect"), initial=1, min_value=0.1, max_value=20, localize=True
    )
    response_rate = _percent(
        _("Expected response rate (%)"), 100, 1, 100, _("More people are drawn so that enough answer.")
    )
    minimum = forms.IntegerField(label=_("Minimum per stratum"), initial=0, min_value=0)
    total = forms.IntegerField(
        label=_("Total to sample"),
        required=False,
        min_value=1,
        help_text=_("For the allocations of a total (proportional, equal, Neyman, power)."),
    )
    power = forms.FloatField(
        label=_("Power (power allocation)"),
        initial=0.5,
        min_value=0,
        max_value=1,
        localize=True,
        help_text=_("0.5 is the square-root allocation; 1 proportional, 0 equal."),
    )
    units = forms.IntegerField(
        label=_("Units to select at the first stage"),
        required=False,
        min_value=1,
        help_text=_("Two stages only: units are drawn by PPS on their numbers of dossiers."),
    )
    forced = forms.MultipleChoiceField(
        label=_("Units taken for certain"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Two stages only, e.g. the provincial seat; they count among the units to select."),
    )
    reserve_per_stratum = forms.IntegerField(
        label=_("Reserve per stratum"),
        initial=2,
        min_value=0,
        max_value=10_000,
        help_text=_("Replacements drawn in order, used when a sampled person cannot be reached."),
    )
    seed = forms.IntegerField(
        label=_("Random seed"),
        min_value=0,
        max_value=2**62,
        help_text=_(
            "Keep it: the same seed on the same frame draws the same people. Type your own if you wish."
        ),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forced"].choices = [(str(pk), label) for pk, label in units]

    def clean(self):
        data = super().clean()
        if data.get("method") == SelectionMethod.PPS and not data.get("units"):
            self.add_error("units", _("Give the number of units to select at the first stage."))
        if data.get("allocation_method") not in (None, AllocationMethod.SIZE_RULE) and not data.get("total"):
            self.add_error("total", _("Give the total number of people to sample."))
        return data

    def parameters(self) -> dict:
        data = self.cleaned_data
        return {
            "rule": data["rule"],
            "margin": data["margin"] / 100,
            "confidence": data["confidence"] / 100,
            "proportion": data["proportion"] / 100,
            "design_effect": data["design_effect"],
            "response_rate": data["response_rate"] / 100,
            "minimum": data["minimum"],
            "total": data.get("total"),
            "power": data["power"],
            "units": data.get("units"),
            "forced": [int(pk) for pk in data.get("forced") or []],
        }
