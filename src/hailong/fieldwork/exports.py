"""Files with sampled people's personal data: invitation letters (PDF), SMS and e-mail texts (CSV)
for a gateway, and volunteers' password-set links. Each export needs ``personal_data.view`` (checked
by the caller) and is written to the audit log here."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.campaigns.models import Campaign
from hailong.fieldwork.selectors import person_contact
from hailong.fieldwork.services import invitation_url, invitations_mark_sent
from hailong.fieldwork.texts import email_invitation, sms_invitation, sms_length, sms_reminder
from hailong.sampling.models import SampledPerson

SMS_HEADER = ["phone", "message", "characters", "encoding", "sms_parts", "unit_code", "dossier_code"]
EMAIL_HEADER = ["email", "name", "subject", "message", "unit_code", "dossier_code"]


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    """UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


def _audit(*, what: str, campaign: Campaign, rows: int, actor, request, **details) -> None:
    audit_record(
        action=AuditAction.PERSONAL_DATA_EXPORTED,
        actor=actor,
        request=request,
        unit=campaign.organiser,
        target=campaign,
        details={"what": what, "rows": rows, **details},
    )


@dataclass(frozen=True)
class SmsRow:
    phone: str
    message: str
    characters: int
    encoding: str
    parts: int
    unit_code: str
    dossier_code: str

    def as_list(self) -> list:
        return [
            self.phone,
            self.message,
            self.characters,
            self.encoding,
            self.parts,
            self.unit_code,
            self.dossier_code,
        ]


def sms_rows(
    *,
    campaign: Campaign,
    people: Iterable[SampledPerson],
    base_url: str,
    diacritics: bool = True,
    reminder: bool = False,
) -> list[SmsRow]:
    rows = []
    for person in people:
        contact = person_contact(person)
        if contact is None or not contact.phone or person.invitation is None:
            continue
        make = sms_reminder if reminder else sms_invitation
        message = make(
            campaign=campaign, link=invitation_url(base_url, person.invitation), diacritics=diacritics
        )
        length = sms_length(message)
        rows.append(
            SmsRow(
                contact.phone,
                message,
                length.characters,
                length.encoding,
                length.parts,
                person.unit.code,
                person.record.dossier_code,
            )
        )
    return rows


def sms_export(
    *,
    campaign: Campaign,
    people: Iterable[SampledPerson],
    base_url: str,
    actor,
    request=None,
    diacritics: bool = True,
    reminder: bool = False,
) -> str:
    people = list(people)
    rows = sms_rows(
        campaign=campaign, people=people, base_url=base_url, diacritics=diacritics, reminder=reminder
    )
    if not reminder:
        invitations_mark_sent(p.invitation_id for p in people if p.invitation_id and person_contact(p))
    _audit(
        what="sms_reminders" if reminder else "sms",
        campaign=campaign,
        rows=len(rows),
        actor=actor,
        request=request,
        diacritics=diacritics,
    )
    return csv_text(SMS_HEADER, (row.as_list() for row in rows))


def email_export(
    *, campaign: Campaign, people: Iterable[SampledPerson], base_url: str, actor, request=None
) -> str:
    rows, sent = [], []
    for person in people:
        contact = person_contact(person)
        if contact is None or not contact.email or person.invitation is None:
            continue
        message = email_invitation(
            campaign=campaign, name=contact.name, link=invitation_url(base_url, person.invitation)
        )
        rows.append(
            [
                contact.email,
                contact.name,
                message.subject,
                message.body,
                person.unit.code,
                person.record.dossier_code,
            ]
        )
        sent.append(person.invitation_id)
    invitations_mark_sent(sent)
    _audit(what="emails", campaign=campaign, rows=len(rows), actor=actor, request=request)
    return csv_text(EMAIL_HEADER, rows)


@dataclass(frozen=True)
class Letter:
    name: str
    address: str
    link: str
    qr: str
    unit_name: str
    dossier_code: str


def letters_pdf(
    *,
    campaign: Campaign,
    people: Iterable[SampledPerson],
    base_url: str,
    actor,
    request=None,
    minutes: int = 10,
) -> tuple[bytes, int]:
    """One A4 page per person (mail-merge ready: the address block fits a window envelope) with a
    short letter from the organising unit, the personal link and its QR code. Returns the PDF and
    the number of letters."""
    import segno
    import weasyprint

    letters, sent = [], []
    for person in people:
        if person.invitation is None:
            continue
        contact = person_contact(person)
        link = invitation_url(base_url, person.invitation)
        qr = segno.make(link, error="m").svg_data_uri(scale=4, dark="#000", light="#fff", border=2)
        letters.append(
            Letter(
                name=contact.name if contact else "",
                address=contact.address if contact else "",
                link=link,
                qr=qr,
                unit_name=person.unit.name,
                dossier_code=person.record.dossier_code,
            )
        )
        sent.append(person.invitation_id)
    with translation.override("vi"):
        html = render_to_string(
            "fieldwork/letters.html",
            {
                "campaign": campaign,
                "letters": letters,
                "minutes": minutes,
                "organiser": campaign.organiser,
                "ends_on": campaign.ends_on,
            },
        )
    pdf = weasyprint.HTML(string=html, base_url=base_url).write_pdf()
    invitations_mark_sent(sent)
    _audit(what="letters", campaign=campaign, rows=len(letters), actor=actor, request=request)
    return pdf, len(letters)


ACTIVATION_HEADER = ["username", "full_name", "phone", "email", "team", "link", "sms_message"]


def activation_export(*, campaign: Campaign, members: Iterable, base_url: str, actor, request=None) -> str:
    """The password-set links of the campaign's volunteers who have not chosen a password yet."""
    from hailong.fieldwork.activation import activation_url, needs_activation

    rows = []
    with translation.override("vi"):
        from django.utils.translation import gettext as _

        for member in members:
            user = member.user
            if not needs_activation(user):
                continue
            link = activation_url(user, base_url)
            message = _("Hài Lòng: your user name is %(username)s. Choose your password at %(link)s") % {
                "username": user.username,
                "link": link,
            }
            rows.append(
                [user.username, user.full_name, user.phone, user.email, member.team.name, link, message]
            )
    _audit(what="activation_links", campaign=campaign, rows=len(rows), actor=actor, request=request)
    return csv_text(ACTIVATION_HEADER, rows)
