"""The review pages over HTTP: who sees what, the queue's order and filters, decisions, settings."""

import re

import pytest

from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent
from hailong.collection.models import Response, ResponseContact
from hailong.quality.models import QualityFlag, QualitySettings, ReviewDecision
from hailong.quality.services import flags_compute
from tests.quality.conftest import add, add_many, answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, unit, wards):
    province = unit("48")
    return {
        "manager": make_user(Role.SURVEY_MANAGER, province),
        "analyst": make_user(Role.ANALYST, province),
        "ward_reviewer": make_user(Role.SURVEY_MANAGER, wards[0]),
        "officer": make_user(Role.UNIT_OFFICER, province),
        "elsewhere": make_user(Role.SURVEY_MANAGER, unit("01")),  # Hà Nội
    }


@pytest.fixture
def data(qc_campaign, wards, make_user):
    """Twenty ordinary responses, a straight-liner and a speeder in ward 0, an interviewer's response
    and a response with a contact in ward 1; flags computed."""
    interviewer = make_user(Role.INTERVIEWER, wards[1], username="dieutra.test")
    ordinary = add_many(qc_campaign, wards[0], 20)
    liner = add(qc_campaign, wards[0], answers(["1"], p1="1", chung="1"))
    speeder = add(qc_campaign, wards[0], minutes=2)
    interviewed = add(qc_campaign, wards[1], channel="interviewer", interviewer=interviewer)
    contacted = add(qc_campaign, wards[1])
    ResponseContact.objects.create(response=contacted, name="Nguyễn Văn An", phone="0905 111 222")
    flags_compute(campaign=qc_campaign)
    return {
        "campaign": qc_campaign,
        "ordinary": ordinary,
        "liner": liner,
        "speeder": speeder,
        "interviewed": interviewed,
        "contacted": contacted,
        "interviewer": interviewer,
    }


def get(client, user, url, **params):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


def post(client, user, url, data):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.post(url, data)


def queue_ids(response) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(r'<th scope="row"><a href="/quality/\d+/r/(\d+)/', response.content.decode())
    ]


def test_permission_matrix(client, people, data):
    campaign = data["campaign"]
    liner, contacted = data["liner"], data["contacted"]
    pages = {
        "home": "/quality/",
        "queue": f"/quality/{campaign.pk}/",
        "ward0": f"/quality/{campaign.pk}/r/{liner.pk}/",
        "ward1": f"/quality/{campaign.pk}/r/{contacted.pk}/",
        "settings": f"/quality/{campaign.pk}/settings/",
    }
    expected = {
        "manager": {"home": 200, "queue": 200, "ward0": 200, "ward1": 200, "settings": 200},
        "analyst": {"home": 200, "queue": 200, "ward0": 200, "ward1": 200, "settings": 403},
        "ward_reviewer": {"home": 200, "queue": 200, "ward0": 200, "ward1": 404, "settings": 403},
        "officer": {"home": 403, "queue": 404, "ward0": 404, "ward1": 404, "settings": 404},
        "elsewhere": {"home": 200, "queue": 404, "ward0": 404, "ward1": 404, "settings": 404},
    }
    for who, codes in expected.items():
        for page, code in codes.items():
            assert get(client, people[who], pages[page]).status_code == code, (who, page)
    for page, url in pages.items():
        answer = get(client, None, url)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/"), page


def test_the_queue_lists_flagged_responses_first_and_filters(client, people, data):
    campaign = data["campaign"]
    url = f"/quality/{campaign.pk}/"
    page = get(client, people["manager"], url)
    ids = queue_ids(page)
    assert len(ids) == 24
    assert set(ids[:2]) == {data["liner"].pk, data["speeder"].pk}, "flagged first"
    html = page.content.decode()
    assert "Tất cả 14 câu trả lời theo thang hài lòng đều là “1”." in html
    assert "<caption>24 phiếu trả lời phù hợp bộ lọc, phiếu bị gắn cờ ở trên cùng</caption>" in html
    assert 'href="/quality/' in html and 'name="all_matching"' in html
    assert queue_ids(get(client, people["manager"], url, kind="straight_lining")) == [data["liner"].pk]
    assert set(queue_ids(get(client, people["manager"], url, kind="flagged"))) == {
        data["liner"].pk,
        data["speeder"].pk,
    }
    assert len(queue_ids(get(client, people["manager"], url, kind="unflagged"))) == 22
    assert queue_ids(get(client, people["manager"], url, channel="interviewer")) == [data["interviewed"].pk]
    assert queue_ids(get(client, people["manager"], url, interviewer=data["interviewer"].pk)) == [
        data["interviewed"].pk
    ]
    assert len(queue_ids(get(client, people["manager"], url, unit=data["contacted"].unit_id))) == 2
    Response.objects.filter(pk=data["speeder"].pk).update(status="on_hold")
    assert queue_ids(get(client, people["manager"], url, status="on_hold")) == [data["speeder"].pk]
    # Nonsense filters are ignored, not an error.
    assert len(queue_ids(get(client, people["manager"], url, unit="abc", kind="nope"))) == 24
    # A ward's reviewer sees only the ward; an analyst sees but has no decision controls.
    assert len(queue_ids(get(client, people["ward_reviewer"], url))) == 22
    analyst_page = get(client, people["analyst"], url).content.decode()
    assert 'name="all_matching"' not in analyst_page and 'name="response"' not in analyst_page


def test_the_queue_costs_the_same_few_queries_whatever_its_length(
    client, people, data, django_assert_max_num_queries
):
    client.force_login(people["manager"])
    url = f"/quality/{data['campaign'].pk}/"
    client.get(url)
    with django_assert_max_num_queries(22):
        client.get(url)
    add_many(data["campaign"], data["liner"].unit, 20)
    with django_assert_max_num_queries(22):
        assert len(queue_ids(client.get(url))) == 44


def test_rejecting_needs_a_reason_and_is_kept_in_the_history(client, people, data):
    campaign, liner = data["campaign"], data["liner"]
    decide = f"/quality/{campaign.pk}/r/{liner.pk}/decide/"
    answer = post(client, people["manager"], decide, {"decision": "reject", "reason": " "})
    assert answer.status_code == 400 and "Hãy nêu lý do từ chối." in answer.content.decode()
    assert Response.objects.get(pk=liner.pk).status == "submitted"
    back = f"/quality/{campaign.pk}/?kind=flagged"
    answer = post(
        client, people["manager"], decide, {"decision": "reject", "reason": "Trả lời một mạch", "next": back}
    )
    assert answer.status_code == 302 and answer["Location"] == back
    assert Response.objects.get(pk=liner.pk).status == "rejected"
    answer = post(client, people["manager"], decide, {"decision": "approve", "next": "https://example.com/"})
    assert answer["Location"] == f"/quality/{campaign.pk}/", "no redirect off the site"
    page = get(client, people["manager"], f"/quality/{campaign.pk}/r/{liner.pk}/").content.decode()
    assert "Trả lời một mạch" in page and "Đã gửi → Bị từ chối" in page and "Bị từ chối → Đã duyệt" in page
    assert ReviewDecision.objects.filter(response=liner).count() == 2
    assert AuditEvent.objects.filter(action="response_reviewed", target_id=str(liner.pk)).count() == 2


def test_an_analyst_and_an_outsider_cannot_decide(client, people, data):
    campaign, liner = data["campaign"], data["liner"]
    decide = f"/quality/{campaign.pk}/r/{liner.pk}/decide/"
    assert post(client, people["analyst"], decide, {"decision": "approve"}).status_code == 403
    assert (
        post(
            client,
            people["analyst"],
            f"/quality/{campaign.pk}/batch/",
            {"decision": "approve", "all_matching": "1"},
        ).status_code
        == 403
    )
    assert (
        post(client, people["analyst"], f"/quality/{campaign.pk}/approve-unflagged/", {}).status_code == 403
    )
    assert post(client, people["elsewhere"], decide, {"decision": "approve"}).status_code == 404
    other_ward = f"/quality/{campaign.pk}/r/{data['contacted'].pk}/decide/"
    assert post(client, people["ward_reviewer"], other_ward, {"decision": "approve"}).status_code == 404
    assert get(client, people["analyst"], decide).status_code == 405
    assert not ReviewDecision.objects.exists()


def test_batch_decisions_on_a_selection_and_on_everything_matching(client, people, data):
    campaign = data["campaign"]
    url = f"/quality/{campaign.pk}/batch/"
    picked = [r.pk for r in data["ordinary"][:3]]
    answer = post(
        client, people["manager"], url, {"decision": "approve", "response": picked, "kind": "unflagged"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"/quality/{campaign.pk}/?kind=unflagged"
    assert set(Response.objects.filter(status="approved").values_list("pk", flat=True)) == set(picked)
    assert post(client, people["manager"], url, {"decision": "hold"}).status_code == 302  # nothing selected
    assert not Response.objects.filter(status="on_hold").exists()
    # Everything matching "flagged", whatever page it is on.
    post(
        client,
        people["manager"],
        url,
        {"decision": "reject", "reason": "Nghi vấn", "all_matching": "1", "kind": "flagged"},
    )
    assert set(Response.objects.filter(status="rejected").values_list("pk", flat=True)) == {
        data["liner"].pk,
        data["speeder"].pk,
    }
    event = AuditEvent.objects.filter(action="responses_reviewed").latest("id")
    assert event.details["selection"] == "all_matching" and event.details["count"] == 2
    # A ward's reviewer deciding for the whole campaign touches only the ward.
    post(
        client, people["ward_reviewer"], url, {"decision": "hold", "all_matching": "1", "status": "submitted"}
    )
    held = Response.objects.filter(status="on_hold")
    assert held.count() == 17 and set(held.values_list("unit_id", flat=True)) == {data["liner"].unit_id}


def test_approve_unflagged_from_the_queue(client, people, data):
    campaign = data["campaign"]
    page = get(client, people["manager"], f"/quality/{campaign.pk}/").content.decode()
    assert "Duyệt 22 phiếu không bị gắn cờ đang chờ xét duyệt" in page
    answer = post(client, people["manager"], f"/quality/{campaign.pk}/approve-unflagged/", {})
    assert answer.status_code == 302
    assert Response.objects.filter(status="approved").count() == 22
    assert set(Response.objects.exclude(status="approved").values_list("pk", flat=True)) == {
        data["liner"].pk,
        data["speeder"].pk,
    }
    assert AuditEvent.objects.filter(action="responses_reviewed").count() == 1


def test_recompute_from_the_queue_checks_the_newcomers(client, people, data):
    campaign = data["campaign"]
    newcomer = add(campaign, data["liner"].unit, answers(["2"], p1="2", chung="2"))
    page = get(client, people["manager"], f"/quality/{campaign.pk}/").content.decode()
    assert "1 phiếu trả lời mới đến sau lần kiểm tra" in page
    assert post(client, people["analyst"], f"/quality/{campaign.pk}/recompute/", {}).status_code == 403
    post(client, people["manager"], f"/quality/{campaign.pk}/recompute/", {})
    assert QualityFlag.objects.filter(response=newcomer, kind="straight_lining").exists()


def test_personal_data_only_with_the_permission_on_request_and_audited(client, people, data):
    campaign, contacted = data["campaign"], data["contacted"]
    url = f"/quality/{campaign.pk}/r/{contacted.pk}/"
    page = get(client, people["manager"], url).content.decode()
    assert "0905 111 222" not in page and 'href="?contact=1' in page
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).exists()
    page = get(client, people["manager"], url, contact="1").content.decode()
    assert "0905 111 222" in page and "Nguyễn Văn An" in page
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert event.actor == people["manager"] and event.target_id == str(contacted.pk)
    page = get(client, people["analyst"], url, contact="1").content.decode()
    assert "0905 111 222" not in page and 'href="?contact=1' not in page
    assert AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).count() == 1


def test_the_response_page_shows_answers_flags_and_links_to_duplicates(client, people, data):
    campaign = data["campaign"]
    twin = add(campaign, data["contacted"].unit)
    ResponseContact.objects.create(response=twin, phone="+84 905 111 222")
    flags_compute(campaign=campaign)
    page = get(
        client, people["manager"], f"/quality/{campaign.pk}/r/{data['contacted'].pk}/"
    ).content.decode()
    assert "Cùng số điện thoại với phiếu khác" in page
    assert f'href="/quality/{campaign.pk}/r/{twin.pk}/' in page
    assert "Mã 4" in page and "Câu s1" in page, "answers with the question and the choice labels"
    assert "0905" not in page


def test_settings_page_saves_thresholds_and_explains_bad_rules(client, people, data):
    campaign = data["campaign"]
    url = f"/quality/{campaign.pk}/settings/"
    page = get(client, people["manager"], url).content.decode()
    assert "retired_18_25" in page and 'value="0.3333333333333333"' in page
    form = {
        "enabled_kinds": ["speeder", "straight_lining"],
        "dossier_question": "",
        "speeder_ratio": "0.25",
        "speeder_min_responses": "10",
        "straight_min_items": "12",
        "period_grace_days": "2",
        "interviewer_z": "3",
        "interviewer_min_interviewers": "5",
        "interviewer_min_responses": "10",
        "interviewer_p_value": "0.001",
        "profile_rules": '[{"code": "x"',
    }
    answer = post(client, people["manager"], url, form)
    assert answer.status_code == 200 and "JSON không hợp lệ" in answer.content.decode()
    answer = post(client, people["manager"], url, {**form, "profile_rules": '[{"code": "x", "when": {}}]'})
    assert "Quy tắc 1: thiếu “label”." in answer.content.decode()
    answer = post(client, people["manager"], url, {**form, "profile_rules": "[]"})
    assert answer.status_code == 302
    settings = QualitySettings.objects.get(campaign=campaign)
    assert (settings.speeder_ratio, settings.straight_min_items, settings.profile_rules) == (0.25, 12, [])
    assert (
        settings.enabled_kinds == ["speeder", "straight_lining"] and settings.updated_by == people["manager"]
    )
    assert AuditEvent.objects.filter(action="quality_settings_changed").count() == 1


def test_navigation_and_the_campaign_page_link_to_the_review(client, people, data):
    campaign = data["campaign"]
    home = get(client, people["manager"], "/").content.decode()
    assert '<a href="/quality/">Kiểm tra chất lượng</a>' in home
    detail = get(client, people["manager"], f"/campaigns/{campaign.pk}/").content.decode()
    assert f'href="/quality/{campaign.pk}/"' in detail
    assert "/quality/" not in get(client, people["officer"], "/").content.decode()
    listing = get(client, people["manager"], "/quality/").content.decode()
    assert f'href="/quality/{campaign.pk}/"' in listing
    english = client.post("/i18n/setlang/", {"language": "en", "next": "/quality/"})
    assert english.status_code == 302
    assert "Quality review" in client.get("/quality/").content.decode()
