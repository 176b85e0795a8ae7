from django import forms
from django.utils.translation import gettext_lazy as _

from hailong.indices.choices import Counted, IntervalMethod, Weighting
from hailong.indices.method import available_aggregations, default_aggregation
from hailong.units.forms import DateInput

AGGREGATION_LABELS = {
    "item_mean": _("Mean of the items, then of the criteria and elements (item_mean)"),
    "pooled": _("All valid answers pooled (pooled)"),
    "respondent_mean": _("Mean of each respondent's own share (respondent_mean)"),
    "overall_question": _("The overall and “in general” questions, Decision 1383 (overall_question)"),
}
LEVEL_CHOICES = [("0.9", "90%"), ("0.95", "95%"), ("0.99", "99%")]


class RunForm(forms.Form):
    aggregation = forms.ChoiceField(label=_("Aggregation"))
    interval_method = forms.ChoiceField(
        label=_("Confidence intervals"), choices=IntervalMethod.choices, initial=IntervalMethod.NORMAL
    )
    level = forms.TypedChoiceField(
        label=_("Confidence level"), choices=LEVEL_CHOICES, coerce=float, initial="0.95"
    )
    weighting = forms.ChoiceField(label=_("Weights"), choices=Weighting.choices, initial=Weighting.DESIGN)
    counted = forms.ChoiceField(
        label=_("Responses counted"), choices=Counted.choices, initial=Counted.APPROVED
    )
    map_to = forms.DateField(
        label=_("Re-estimate on the units of this day (optional)"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "For an earlier year: responses of merged or split units are mapped to their successors on "
            "this day through unit lineage. The result is a recomputation, not official."
        ),
    )

    national = forms.CharField(
        label=_("National averages to compare with (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: “overall”, a criterion code or a question name, “=”, and the published "
            "national figure in percent, e.g. “overall = 84,5” or “E1 = 86,1”."
        ),
    )

    def clean_national(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for number, line in enumerate(self.cleaned_data["national"].splitlines(), start=1):
            if not line.strip():
                continue
            code, _sep, text = line.partition("=")
            try:
                value = float(text.strip().rstrip("%").replace(",", ".")) / 100
            except ValueError:
                value = None
            if not code.strip() or value is None:
                raise forms.ValidationError(
                    _("Line %(line)s: write “code = percent”, e.g. “overall = 84,5”."),
                    params={"line": number},
                )
            found[code.strip()] = value
        return found

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["aggregation"].choices = [
            (a, AGGREGATION_LABELS.get(a, a)) for a in available_aggregations(version)
        ]
        self.fields["aggregation"].initial = default_aggregation(version)


class PopulationForm(forms.Form):
    file = forms.FileField(
        label=_("File of completed dossiers (CSV or XLSX)"),
        help_text=_(
            "Columns unit_code, field, count: one row per participating unit and procedure field "
            "(leave field empty for one total per unit). The file replaces the totals uploaded before."
        ),
    )
