from django import forms
from django.utils.translation import gettext_lazy as _

from hailong.fieldwork.choices import INTERVIEWER_OUTCOMES, ReminderChannel
from hailong.sampling.choices import FieldChannel, PersonStatus

ANY = [("", _("All"))]


class PeopleFilterForm(forms.Form):
    """Filters of the people list (and of "assign everybody matching")."""

    unit = forms.ChoiceField(label=_("Unit"), required=False)
    stratum = forms.ChoiceField(label=_("Stratum"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=ANY + list(PersonStatus.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=ANY + list(FieldChannel.choices))
    interviewer = forms.CharField(label=_("Interviewer (user name)"), required=False, max_length=150)

    def __init__(self, *args, units=(), strata=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = ANY + [(str(u.pk), f"{u.name} ({u.code})") for u in units]
        self.fields["stratum"].choices = ANY + [(s, s) for s in strata]

    def apply(self, people):
        if not self.is_valid():
            return people
        data = self.cleaned_data
        if data["unit"]:
            people = people.filter(unit_id=data["unit"])
        if data["stratum"]:
            people = people.filter(stratum=data["stratum"])
        if data["status"]:
            people = people.filter(status=data["status"])
        if data["channel"]:
            people = people.filter(channel=data["channel"])
        if data["interviewer"]:
            people = people.filter(interviewer__username__iexact=data["interviewer"].strip())
        return people


class AssignForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Reach them by"),
        choices=[
            (FieldChannel.INTERVIEWER, _("An interviewer")),
            (FieldChannel.POST, _("Post (a letter with a personal link and QR code)")),
            (FieldChannel.INVITATION, _("A personal link by e-mail or SMS")),
            (FieldChannel.UNASSIGNED, _("Nobody yet (take back)")),
        ],
        widget=forms.RadioSelect,
    )
    interviewer = forms.CharField(
        label=_("Interviewer (user name)"),
        required=False,
        max_length=150,
        help_text=_("Needed when an interviewer is chosen."),
    )
    scope = forms.ChoiceField(
        label=_("Whom"),
        choices=[("selected", _("The people ticked below")), ("all", _("Everybody matching the filter"))],
        initial="selected",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interviewer"].widget.attrs.update(
            {"list": "interviewer-suggestions", "autocomplete": "off"}
        )

    def clean(self):
        data = super().clean()
        if data.get("channel") == FieldChannel.INTERVIEWER and not data.get("interviewer"):
            self.add_error("interviewer", _("Type the interviewer's user name."))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=PersonStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, allowed=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["status"].choices = [
                (value, label)
                for value, label in PersonStatus.choices
                if value in allowed and value != PersonStatus.REPLACED
            ]


class OutcomeForm(forms.Form):
    """What an interviewer records without an interview: reached, refused, not reachable."""

    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(s, PersonStatus(s).label) for s in INTERVIEWER_OUTCOMES],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReminderForm(forms.Form):
    days = forms.IntegerField(
        label=_("Waiting for more than (days)"),
        min_value=0,
        max_value=365,
        initial=7,
        help_text=_("People with an unanswered personal link and no news for this many days."),
    )
    channel = forms.ChoiceField(
        label=_("Send by"),
        choices=[
            (ReminderChannel.EMAIL, _("E-mail (sent now, in the background)")),
            (ReminderChannel.SMS, _("SMS (download a CSV file for the SMS gateway)")),
        ],
        initial=ReminderChannel.EMAIL,
        widget=forms.RadioSelect,
    )
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    diacritics = forms.BooleanField(label=_("SMS with Vietnamese diacritics"), required=False, initial=True)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = ANY + [(str(u.pk), f"{u.name} ({u.code})") for u in units]


class ExportForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    diacritics = forms.BooleanField(label=_("SMS with Vietnamese diacritics"), required=False, initial=True)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = ANY + [(str(u.pk), f"{u.name} ({u.code})") for u in units]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=150)
    unit = forms.ChoiceField(label=_("Works in"))
    leader = forms.CharField(label=_("Team leader (user name)"), required=False, max_length=150)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(u.pk), f"{u.name} ({u.code})") for u in units]


class InterviewerImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Columns: username (optional), full_name, phone, email, team, unit_code."),
    )
