"""Letters (PDF), SMS and e-mail texts (CSV), reminders; every export of personal data audited."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from hailong.audit.models import AuditAction, AuditEvent
from hailong.fieldwork.choices import ReminderStatus
from hailong.fieldwork.models import Reminder
from hailong.fieldwork.services import people_assign
from hailong.fieldwork.texts import plain, sms_length
from hailong.sampling.choices import FieldChannel
from hailong.sampling.models import SampledPerson, SampledPersonEvent
from tests.fieldwork.conftest import people_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def rows_of(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so Excel reads the Vietnamese correctly"
    return list(csv.DictReader(io.StringIO(text[1:])))


def exported(what: str) -> AuditEvent:
    return AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_EXPORTED, details__what=what)


def test_letters_pdf_has_one_page_per_person_with_name_and_link(signed_in, open_campaign, sample, manager):
    post = people_of(sample, "20242")[:2]
    people_assign(campaign=open_campaign, people=post, channel=FieldChannel.POST, actor=manager)
    response = signed_in.get(f"/fieldwork/{open_campaign.pk}/letters.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) == 2
    for page, person in zip(
        pdf.pages, SampledPerson.objects.filter(pk__in=[p.pk for p in post]).order_by("pk"), strict=True
    ):
        text = page.extract_text()
        assert person.record.contact.name in text, "Vietnamese with diacritics, in DejaVu Sans"
        assert f"http://testserver/i/{person.invitation.token}/" in text.replace("\n", "")
        assert person.record.contact.address in text
        assert "Khảo sát thử 2026" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert (
            person.invitation.sent_at is not None
            or SampledPerson.objects.get(pk=person.pk).invitation.sent_at
        )
    event = exported("letters")
    assert event.actor == manager and event.details["rows"] == 2
    assert all(p.invitation.sent_at for p in SampledPerson.objects.filter(pk__in=[p.pk for p in post]))


def test_sms_csv_for_the_gateway(signed_in, open_campaign, sample, manager):
    people = people_of(sample, "20209")
    people_assign(campaign=open_campaign, people=people, channel=FieldChannel.INVITATION, actor=manager)
    rows = rows_of(signed_in.get(f"/fieldwork/{open_campaign.pk}/sms.csv"))
    assert len(rows) == 3
    by_phone = {row["phone"]: row for row in rows}
    person = SampledPerson.objects.select_related("record__contact", "invitation").get(pk=people[0].pk)
    row = by_phone[person.record.contact.phone]
    assert f"http://testserver/i/{person.invitation.token}/" in row["message"]
    assert "mời Ông/Bà" in row["message"], "Vietnamese with diacritics by default"
    assert int(row["characters"]) == len(row["message"]) and row["encoding"] == "UCS-2"
    assert int(row["sms_parts"]) == sms_length(row["message"]).parts >= 2
    assert row["unit_code"] == "20209" and row["dossier_code"] == person.record.dossier_code
    assert exported("sms").details == {"what": "sms", "rows": 3, "diacritics": True}

    # Without diacritics the same text fits one 160-character GSM message.
    rows = rows_of(signed_in.get(f"/fieldwork/{open_campaign.pk}/sms.csv", {"unit": ""}))
    row = {r["phone"]: r for r in rows}[person.record.contact.phone]
    assert row["encoding"] == "GSM-7" and int(row["characters"]) <= 160 and row["sms_parts"] == "1"
    assert "moi Ong/Ba" in row["message"] and row["message"] == plain(row["message"])


def test_email_csv(signed_in, open_campaign, sample, manager):
    people = people_of(sample, "20242")[:1]
    people_assign(campaign=open_campaign, people=people, channel=FieldChannel.INVITATION, actor=manager)
    (row,) = rows_of(signed_in.get(f"/fieldwork/{open_campaign.pk}/emails.csv"))
    person = SampledPerson.objects.select_related("record__contact", "invitation").get(pk=people[0].pk)
    assert row["email"] == person.record.contact.email
    assert row["subject"] == "Mời tham gia: Khảo sát thử 2026"
    assert person.record.contact.name in row["message"] and person.invitation.token in row["message"]
    assert exported("emails").details["rows"] == 1


def age(people, days: int) -> None:
    """Make the people's last news ``days`` old (history and links sent)."""
    SampledPersonEvent.objects.filter(person__in=people).update(
        changed_at=timezone.now() - timedelta(days=days)
    )


def test_email_reminders_are_queued_and_sent(
    signed_in, open_campaign, sample, manager, django_capture_on_commit_callbacks
):
    people = people_of(sample, "20242")[:3]
    people_assign(campaign=open_campaign, people=people, channel=FieldChannel.INVITATION, actor=manager)
    url = f"/fieldwork/{open_campaign.pk}/reminders/"
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(url, {"days": 7, "channel": "email", "unit": ""})
    assert mail.outbox == [], "assigned today: nobody has waited a week"

    age(people, 10)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(url, {"days": 7, "channel": "email", "unit": ""})
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    first = SampledPerson.objects.select_related("record__contact", "invitation").get(pk=people[0].pk)
    message = next(m for m in mail.outbox if m.to == [first.record.contact.email])
    assert message.subject == "Nhắc lại: Khảo sát thử 2026"
    assert f"http://testserver/i/{first.invitation.token}/" in message.body
    assert "Chúng tôi chưa nhận được câu trả lời" in message.body
    assert Reminder.objects.filter(status=ReminderStatus.SENT, sent_at__isnull=False).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(url, {"days": 7, "channel": "email", "unit": ""})
    assert len(mail.outbox) == 3, "reminded a moment ago: not again"


def test_sms_reminders_go_to_the_gateway_csv(signed_in, open_campaign, sample, manager):
    people = people_of(sample, "20209")
    people_assign(campaign=open_campaign, people=people, channel=FieldChannel.INVITATION, actor=manager)
    age(people, 3)
    response = signed_in.post(
        f"/fieldwork/{open_campaign.pk}/reminders/",
        {"days": 2, "channel": "sms", "unit": "", "diacritics": "on"},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    assert len(rows) == 3 and all("nhắc" in r["message"] for r in rows)
    assert Reminder.objects.filter(channel="sms", status=ReminderStatus.EXPORTED).count() == 3
    assert exported("sms_reminders").details["rows"] == 3
    assert mail.outbox == []


def test_exports_are_refused_outside_the_reader_area(client, open_campaign, sample, make_user, unit):
    from hailong.accounts.roles import Role

    other = make_user(Role.SURVEY_MANAGER, unit("01"))  # Hà Nội
    client.force_login(other)
    for path in ("letters.pdf", "sms.csv", "emails.csv"):
        assert client.get(f"/fieldwork/{open_campaign.pk}/{path}").status_code == 404
    assert (
        client.post(f"/fieldwork/{open_campaign.pk}/reminders/", {"days": 1, "channel": "sms"}).status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).exists()
