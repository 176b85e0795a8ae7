import json

from django import forms
from django.utils.translation import gettext_lazy as _

from hailong.collection.models import Channel, ResponseStatus
from hailong.quality.choices import Decision, FlagKind
from hailong.quality.selectors import FLAGGED, UNFLAGGED, QueueFilters


class QueueFilterForm(forms.Form):
    """The queue's filters (GET). Invalid values are ignored, never an error page."""

    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    kind = forms.ChoiceField(label=_("Flag"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    interviewer = forms.TypedChoiceField(label=_("Interviewer"), required=False, coerce=int, empty_value=None)

    def __init__(self, data, *, units, interviewers) -> None:
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["unit"].choices = everything + [(u.pk, u.name) for u in units]
        self.fields["channel"].choices = everything + list(Channel.choices)
        self.fields["kind"].choices = [
            ("", _("All")),
            (FLAGGED, _("Any flag")),
            (UNFLAGGED, _("No flag")),
            *FlagKind.choices,
        ]
        self.fields["status"].choices = everything + list(ResponseStatus.choices)
        self.fields["interviewer"].choices = everything + [(u.pk, str(u)) for u in interviewers]

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            cleaned = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        else:
            cleaned = self.cleaned_data
        return QueueFilters(
            unit=cleaned.get("unit"),
            channel=cleaned.get("channel") or "",
            kind=cleaned.get("kind") or "",
            status=cleaned.get("status") or "",
            interviewer=cleaned.get("interviewer"),
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting; kept in the response's history."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == Decision.REJECT and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for rejecting."))
        return cleaned


class SettingsForm(forms.Form):
    enabled_kinds = forms.MultipleChoiceField(
        label=_("Checks to run"),
        choices=FlagKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    dossier_question = forms.CharField(
        label=_("Question holding the dossier code"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to look for ma_ho_so, so_ho_so or dossier_code."),
    )
    speeder_ratio = forms.FloatField(
        label=_("Speeder: flag under this share of the median duration"),
        min_value=0.01,
        max_value=0.99,
        help_text=_("0.333 flags responses answered in less than a third of the median time."),
    )
    speeder_min_responses = forms.IntegerField(
        label=_("Speeder: timed responses needed for a median"), min_value=2
    )
    straight_min_items = forms.IntegerField(label=_("Straight-lining: identical answers needed"), min_value=2)
    period_grace_days = forms.IntegerField(label=_("Days of grace around the collection period"), min_value=0)
    interviewer_z = forms.FloatField(label=_("Interviewer: robust z-score limit"), min_value=0.5)
    interviewer_min_interviewers = forms.IntegerField(
        label=_("Interviewer: interviewers needed for a comparison"), min_value=2
    )
    interviewer_min_responses = forms.IntegerField(
        label=_("Interviewer: responses needed per interviewer"), min_value=1
    )
    interviewer_p_value = forms.FloatField(
        label=_("Interviewer: chi-square p-value limit"), min_value=0.0000001, max_value=0.5
    )
    profile_rules = forms.CharField(
        label=_("Impossible profiles (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_(
            'A list of rules: {"code": …, "label": {"vi": …, "en": …}, "when": {question: [values]}, "severity": "low|medium|high"}. Every condition must hold. @template, @applicant_type and @channel test the questionnaire\'s template, the sampled dossier\'s applicant type and the channel.'
        ),
    )

    def clean_profile_rules(self):
        text = self.cleaned_data.get("profile_rules") or "[]"
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON (line %(line)d, column %(column)d)."),
                params={"line": exc.lineno, "column": exc.colno},
            ) from None
