from django import forms
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.methodology.choices import VersionStatus
from hailong.methodology.models import QuestionnaireVersion
from hailong.units.forms import DateInput, UnitCodeField


class CampaignForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=64, help_text=_("Letters, digits and hyphens, e.g. sipas-2026.")
    )
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=255)
    name_en = forms.CharField(label=_("Name (English)"), max_length=255, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    version = forms.ModelChoiceField(
        label=_("Questionnaire version"), queryset=QuestionnaireVersion.objects.none()
    )
    starts_on = forms.DateField(label=_("Collection starts"), widget=DateInput())
    ends_on = forms.DateField(label=_("Collection ends"), widget=DateInput())
    default_target = forms.IntegerField(label=_("Target forms per unit"), min_value=0, initial=0)
    double_entry = forms.BooleanField(label=_("Paper forms are typed twice and compared"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"] = UnitCodeField(
            label=_("Organising unit"), user=user, perm=Perm.SURVEYS_MANAGE
        )
        versions = QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
            "questionnaire"
        )
        self.fields["version"].queryset = permissions.scope(
            versions, user, Perm.SURVEYS_MANAGE, path_field="questionnaire__owner__path"
        ) | versions.filter(questionnaire__owner__parent__isnull=True)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end date is before the start date."))
        return data


class ParticipantsForm(forms.Form):
    units = forms.CharField(
        label=_("Units (one code per line, optionally followed by a target)"),
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "48.SNV 120\n20242 90"}),
        help_text=_("Example: “20242 90” adds Phường Hải Châu with a target of 90 forms."),
    )


class InvitationsForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    people = forms.CharField(
        label=_("People to invite (one per line: name; e-mail; phone)"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [
            (str(p.unit_id), p.unit.name) for p in campaign.participants.select_related("unit")
        ]


class AssignmentForm(forms.Form):
    interviewer = forms.CharField(label=_("Interviewer's user name"))
    unit = forms.ChoiceField(label=_("Unit"))
    target = forms.IntegerField(label=_("Target forms"), min_value=0, initial=0)

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [
            (str(p.unit_id), p.unit.name) for p in campaign.participants.select_related("unit")
        ]
