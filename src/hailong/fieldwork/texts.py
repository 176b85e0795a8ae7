"""The words sent to sampled people: SMS and e-mail texts, with their lengths for an SMS gateway.

Texts are in Vietnamese — the language of the people written to — whatever the staff member's
screen language is. An SMS with diacritics is sent as UCS-2: 70 characters in one message, 67 per
part when longer. Without diacritics (GSM 7-bit) it is 160, 153 per part; ``plain()`` removes them
for gateways or plans that need it.
"""

import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
# The GSM 03.38 basic alphabet (what fits 7 bits); anything else makes the message UCS-2.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€")


def plain(text: str) -> str:
    """Vietnamese without diacritics: ``Đà Nẵng`` → ``Da Nang``."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@dataclass(frozen=True)
class SmsLength:
    characters: int
    encoding: str  # "GSM-7" or "UCS-2"
    parts: int


def sms_length(text: str) -> SmsLength:
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        parts = 1 if units <= GSM_SINGLE else -(-units // GSM_PART)
        return SmsLength(len(text), "GSM-7", parts)
    # UCS-2 counts UTF-16 code units (every Vietnamese letter is one).
    units = len(text.encode("utf-16-le")) // 2
    parts = 1 if units <= UCS2_SINGLE else -(-units // UCS2_PART)
    return SmsLength(len(text), "UCS-2", parts)


def _sender(campaign) -> str:
    organiser = campaign.organiser
    return organiser.short_name or organiser.name


def sms_invitation(*, campaign, link: str, diacritics: bool = True, language: str = "vi") -> str:
    with translation.override(language):
        text = _(
            "%(sender)s invites you to rate its public administrative services (5-10 minutes): %(link)s"
        ) % {
            "sender": _sender(campaign),
            "link": link,
        }
    return text if diacritics else plain(text)


def sms_reminder(*, campaign, link: str, diacritics: bool = True, language: str = "vi") -> str:
    with translation.override(language):
        text = _("%(sender)s reminds you: your opinion matters, please answer the survey at %(link)s") % {
            "sender": _sender(campaign),
            "link": link,
        }
    return text if diacritics else plain(text)


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def email_invitation(
    *, campaign, name: str, link: str, reminder: bool = False, language: str = "vi"
) -> Email:
    with translation.override(language):
        values = {
            "name": name or _("Sir or Madam"),
            "campaign": str(campaign),
            "organiser": campaign.organiser.name,
            "link": link,
            "ends": campaign.ends_on.strftime("%d/%m/%Y"),
        }
        subject = (_("Reminder: %(campaign)s") if reminder else _("Invitation: %(campaign)s")) % values
        body = (
            _(
                "Dear %(name)s,\n\n"
                "%(organiser)s is carrying out the survey “%(campaign)s”. You were chosen at random among the "
                "people and organisations who completed an administrative procedure. Your opinion helps the "
                "administration serve you better.\n\n"
                "The questionnaire takes about 10 minutes. Please answer before %(ends)s at your personal "
                "link (it can be used once):\n%(link)s\n\n"
                "Your answers are kept confidential and used only for overall results; your name and address "
                "are kept apart from your answers and deleted when the survey ends.\n\n"
                "Thank you,\n%(organiser)s"
            )
            % values
        )
        if reminder:
            body = _("We have not yet received your answers.") + "\n\n" + body
    return Email(subject=subject, body=body)
