"""The sampling pages over HTTP: who may see and do what, the upload → plan → draw flow, contacts
shown only on request to those allowed (and logged)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent
from hailong.sampling.models import Frame, Sample, SampledPerson
from hailong.sampling.selectors import may_see_contacts
from hailong.sampling.services import frame_create, sample_draw, sample_plan
from tests.sampling.conftest import csv_bytes, frame_rows, import_bytes

pytestmark = pytest.mark.django_db

PLAN = {
    "name": "Mẫu tháng 9",
    "strata_by": ["unit", "applicant_type"],
    "method": "stratified",
    "allocation_method": "size_rule",
    "rule": "yamane",
    "margin": "10",
    "confidence": "95",
    "proportion": "50",
    "design_effect": "1",
    "response_rate": "100",
    "minimum": "0",
    "power": "0,5",
    "reserve_per_stratum": "2",
    "seed": "20260901",
}


@pytest.fixture
def manager(client, make_user, unit):
    user = make_user(Role.SURVEY_MANAGER, unit("48"), username="quanly.trang")
    client.force_login(user)
    return user


@pytest.fixture
def drawn(campaign):
    frame = import_bytes(campaign, csv_bytes(frame_rows(120)))
    sample = sample_plan(frame=frame, name="Mẫu", strata_by=["unit"], parameters={"margin": 0.15}, seed=5)
    return frame, sample_draw(sample=sample)


def urls(frame, sample):
    return [
        f"/sampling/campaigns/{frame.campaign_id}/",
        f"/sampling/frames/{frame.pk}/",
        f"/sampling/frames/{frame.pk}/problems.csv",
        f"/sampling/frames/{frame.pk}/samples/new/",
        f"/sampling/samples/{sample.pk}/",
        f"/sampling/samples/{sample.pk}/people.csv",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, drawn):
    for url in ["/sampling/", *urls(*drawn)]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_analysts_and_managers_elsewhere_see_nothing(client, make_user, unit, drawn):
    frame, sample = drawn
    analyst = make_user(Role.ANALYST, unit("48"))
    client.force_login(analyst)
    assert client.get("/sampling/").status_code == 403
    for url in urls(frame, sample):
        assert client.get(url).status_code == 404, url
    assert not may_see_contacts(analyst, frame.campaign)
    elsewhere = make_user(Role.SURVEY_MANAGER, unit("01"))  # Hà Nội
    client.force_login(elsewhere)
    assert client.get("/sampling/").status_code == 200
    assert frame.campaign.name["vi"] not in client.get("/sampling/").content.decode()
    for url in urls(frame, sample):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/sampling/samples/{sample.pk}/sizes/", {"action": "draw"})
    assert response.status_code == 404
    before = Frame.objects.count()
    upload = SimpleUploadedFile("k.csv", csv_bytes(frame_rows(3)))
    assert client.post(f"/sampling/campaigns/{frame.campaign_id}/", {"file": upload}).status_code == 404
    assert Frame.objects.count() == before


def test_a_manager_uploads_plans_adjusts_and_draws(
    client, manager, campaign, django_capture_on_commit_callbacks
):
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert f"/sampling/campaigns/{campaign.pk}/" in page, "linked from the campaign's page"
    assert 'href="/sampling/"' in client.get("/").content.decode(), "and from the menu"

    rows = frame_rows(200)
    rows[5][4] = "không biết"
    upload = SimpleUploadedFile("ho_so_thang_9.csv", csv_bytes(rows))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sampling/campaigns/{campaign.pk}/",
            {"file": upload, "name": "Tháng 9", "skip_invalid_rows": "on"},
        )
    frame = Frame.objects.get(campaign=campaign)
    assert response["Location"] == f"/sampling/frames/{frame.pk}/"
    assert frame.status == "ready" and frame.rows_imported == 199 and frame.skip_invalid_rows
    page = client.get(response["Location"]).content.decode()
    assert "199" in page and "không biết" in page and "E (Ngày tiếp nhận)" in page
    assert 'http-equiv="refresh"' not in page
    problems = client.get(f"/sampling/frames/{frame.pk}/problems.csv")
    lines = list(csv.reader(io.StringIO(b"".join(problems.streaming_content).decode("utf-8-sig"))))
    assert lines[1][:2] == ["7", "E (Ngày tiếp nhận)"]

    response = client.post(f"/sampling/frames/{frame.pk}/samples/new/", PLAN)
    sample = Sample.objects.get(frame=frame)
    assert response["Location"] == f"/sampling/samples/{sample.pk}/"
    assert sample.seed == 20260901 and sample.parameters["margin"] == pytest.approx(0.1)
    page = client.get(response["Location"]).content.decode()
    assert 'name="size-0"' in page and "Phường Hải Châu" in page
    sizes = {f"size-{i}": str(n) for i, n in enumerate([7, 3, 6, 2])}
    client.post(f"/sampling/samples/{sample.pk}/sizes/", {**sizes, "action": "save"})
    sample.refresh_from_db()
    assert [row["size"] for row in sample.allocation] == [7, 3, 6, 2] and sample.status == "planned"
    client.post(f"/sampling/samples/{sample.pk}/sizes/", {**sizes, "size-1": "4", "action": "draw"})
    sample.refresh_from_db()
    assert sample.status == "drawn" and sample.drawn_by == manager
    assert SampledPerson.objects.filter(sample=sample, is_reserve=False).count() == 19
    page = client.get(f"/sampling/samples/{sample.pk}/").content.decode()
    assert "20260901" in page and "HS-" in page


def test_sizes_out_of_range_are_refused_on_the_page(client, manager, campaign):
    frame = import_bytes(campaign, csv_bytes(frame_rows(30)))
    sample = sample_plan(frame=frame, name="Mẫu", strata_by=["unit"])
    response = client.post(
        f"/sampling/samples/{sample.pk}/sizes/", {"size-0": "999", "action": "draw"}, follow=True
    )
    sample.refresh_from_db()
    assert sample.status == "planned"
    assert "0 đến số hồ sơ" in response.content.decode()


def test_an_importing_frame_page_refreshes_itself(client, manager, campaign):
    frame = frame_create(
        campaign=campaign, upload=SimpleUploadedFile("k.csv", csv_bytes(frame_rows(3))), enqueue=False
    )
    page = client.get(f"/sampling/frames/{frame.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page


def test_contacts_are_shown_only_on_request_and_every_look_is_logged(client, manager, drawn):
    frame, sample = drawn
    person = SampledPerson.objects.filter(sample=sample).select_related("record__contact").first()
    name = person.record.contact.name
    page = client.get(f"/sampling/samples/{sample.pk}/").content.decode()
    assert person.record.dossier_code in page and name not in page
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).exists()

    page = client.get(f"/sampling/samples/{sample.pk}/?contacts=1").content.decode()
    assert name in page and person.record.contact.phone in page
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert event.actor == manager and event.target_id == str(sample.pk)

    plain = client.get(f"/sampling/samples/{sample.pk}/people.csv").content.decode("utf-8-sig")
    assert person.record.dossier_code in plain and name not in plain
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).exists()
    full = client.get(f"/sampling/samples/{sample.pk}/people.csv?contacts=1").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(full)))
    assert len(rows) == SampledPerson.objects.filter(sample=sample).count()
    assert name in {row["name"] for row in rows}
    exported = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert exported.details["rows"] == len(rows)


def test_people_without_personal_data_permission_get_no_contacts(client, make_user, unit, drawn, monkeypatch):
    from hailong.accounts import roles

    frame, sample = drawn
    # A province may decide that managing surveys does not include seeing personal data.
    without = roles.ROLE_PERMISSIONS[Role.SURVEY_MANAGER] - {roles.Perm.PERSONAL_DATA_VIEW}
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, Role.SURVEY_MANAGER, without)
    user = make_user(Role.SURVEY_MANAGER, unit("48"))
    client.force_login(user)
    page = client.get(f"/sampling/samples/{sample.pk}/").content.decode()
    assert "contacts=1" not in page
    assert client.get(f"/sampling/samples/{sample.pk}/?contacts=1").status_code == 403
    assert client.get(f"/sampling/samples/{sample.pk}/people.csv?contacts=1").status_code == 403
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.PERSONAL_DATA_VIEWED, AuditAction.PERSONAL_DATA_EXPORTED]
    ).exists()


def test_the_pages_are_in_vietnamese(client, manager, drawn):
    frame, sample = drawn
    page = client.get(f"/sampling/samples/{sample.pk}/").content.decode()
    assert "Những người được chọn" in page and "Hạt giống ngẫu nhiên" in page
    page = client.get(f"/sampling/frames/{frame.pk}/samples/new/").content.decode()
    assert "Sai số" in page and "Yamane" in page
