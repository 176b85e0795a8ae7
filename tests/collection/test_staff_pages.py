import pytest

from hailong.accounts.roles import Role
from hailong.campaigns.services import campaign_transition
from hailong.collection.models import Channel, PaperEntry, RejectedSubmission, Response, ReviewStatus
from hailong.collection.services import SubmissionRejected, response_submit
from tests.small_form import VALID

pytestmark = pytest.mark.django_db

PAPER = {"so_lan": "2", "tc1": "4", "gop_y": "no", "chung": "5", "kenh": "1 3"}


@pytest.fixture
def clerk(client, make_user, unit):
    user = make_user(Role.INTERVIEWER, unit("48"), username="nhap.lieu")
    client.force_login(user)
    return user


def paper_post(client, campaign, unit, number, **answers):
    data = {"unit": unit.pk, "form_number": number, **answers}
    return client.post(f"/collect/paper/{campaign.pk}/", data)


def test_paper_entry_stores_one_response_per_form_number(client, clerk, open_campaign, unit):
    ward = unit("20242")
    form = client.get(f"/collect/paper/{open_campaign.pk}/").content.decode()
    assert 'name="form_number"' in form and 'data-codes="1 2 3 4 5 9"' in form
    response = paper_post(client, open_campaign, ward, "0001", **{**PAPER, "kenh": "truc_tiep buu_chinh"})
    assert response.status_code == 302
    stored = Response.objects.get(paper_form_number="0001")
    assert stored.channel == Channel.PAPER and stored.entered_by == clerk
    assert stored.answers["kenh"] == ["truc_tiep", "buu_chinh"]
    # The same number again is the same form: refused, not stored twice.
    paper_post(client, open_campaign, ward, "0001", **PAPER)
    assert Response.objects.filter(paper_form_number="0001").count() == 1


def test_paper_entry_errors_are_shown_and_nothing_is_stored(client, clerk, open_campaign, unit):
    response = paper_post(
        client, open_campaign, unit("20242"), "0002", so_lan="2", tc1="7", gop_y="no", chung="5"
    )
    assert response.status_code == 200
    assert "tc1" in response.content.decode()
    assert not Response.objects.filter(paper_form_number="0002").exists()
    assert RejectedSubmission.objects.count() == 0, (
        "a typing mistake is corrected on the spot, not sent to review"
    )


def test_double_entry_by_two_people_and_reconciliation(client, make_user, open_campaign, unit):
    open_campaign.double_entry = True
    open_campaign.save(update_fields=["double_entry"])
    first, second = make_user(Role.INTERVIEWER, unit("48")), make_user(Role.INTERVIEWER, unit("48"))
    ward = unit("20242")
    client.force_login(first)
    paper_post(client, open_campaign, ward, "0100", **{**PAPER, "kenh": "truc_tiep"})
    paper_post(client, open_campaign, ward, "0100", **{**PAPER, "tc1": "3", "kenh": "truc_tiep"})
    assert PaperEntry.objects.filter(form_number="0100").count() == 1, (
        "the same person cannot type the second entry"
    )
    client.force_login(second)
    paper_post(client, open_campaign, ward, "0100", **{**PAPER, "tc1": "3", "kenh": "truc_tiep"})
    assert PaperEntry.objects.filter(form_number="0100").count() == 2
    manager = make_user(Role.SURVEY_MANAGER, unit("48"))
    client.force_login(manager)
    report = client.get(f"/collect/paper/{open_campaign.pk}/differences/").content.decode()
    assert "0100" in report and "tc1" in report
    stored = Response.objects.get(paper_form_number="0100")
    client.post(f"/collect/paper/{open_campaign.pk}/reconcile/{stored.pk}/", {"pick_tc1": "2"})
    stored.refresh_from_db()
    assert stored.answers["tc1"] == "3"
    assert stored.meta["reconciled_by"] == manager.username


def test_interviewer_fills_an_assignment(client, make_user, open_campaign, unit):
    from hailong.collection.services import assignment_set

    interviewer = make_user(Role.INTERVIEWER, unit("20242"))
    assignment = assignment_set(campaign=open_campaign, interviewer=interviewer, unit=unit("20242"), target=5)
    client.force_login(interviewer)
    listing = client.get("/collect/").content.decode()
    assert "Phường Hải Châu" in listing and f"/collect/a/{assignment.pk}/" in listing
    page = client.get(f"/collect/a/{assignment.pk}/")
    instance_id = page.context["instance_id"]
    response = client.post(
        f"/collect/a/{assignment.pk}/", {**VALID, "instance_id": instance_id, "action": "submit"}
    )
    assert response.status_code == 302
    stored = Response.objects.get(instance_id=instance_id)
    assert (stored.channel, stored.interviewer) == (Channel.INTERVIEWER, interviewer)
    other = make_user(Role.INTERVIEWER, unit("20242"))
    client.force_login(other)
    assert client.get(f"/collect/a/{assignment.pk}/").status_code == 404, (
        "an assignment is its interviewer's own"
    )


def test_review_list_accept_and_discard(client, make_user, open_campaign, unit):
    for number in (1, 2):
        with pytest.raises(SubmissionRejected):
            response_submit(
                campaign=open_campaign,
                unit=unit("20242"),
                channel=Channel.API,
                instance_id=f"bad-{number}",
                answers={**VALID, "tc1": "8"},
            )
    manager = make_user(Role.SURVEY_MANAGER, unit("48"))
    client.force_login(manager)
    listing = client.get(f"/collect/review/{open_campaign.pk}/").content.decode()
    assert listing.count("/collect/review/") >= 2 and "tc1" in listing
    first, second = RejectedSubmission.objects.order_by("id")
    client.post(f"/collect/review/{open_campaign.pk}/{first.pk}/", {"action": "accept"})
    client.post(f"/collect/review/{open_campaign.pk}/{second.pk}/", {"action": "discard"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ReviewStatus.ACCEPTED and first.response.instance_id == "bad-1"
    assert second.status == ReviewStatus.DISCARDED
    analyst = make_user(Role.ANALYST, unit("48"))
    client.force_login(analyst)
    assert client.get(f"/collect/review/{open_campaign.pk}/").status_code == 404


def test_web_form_posts_without_javascript(client, open_campaign, unit):
    link = open_campaign.links.get(unit__code="20242", service_point__isnull=True)
    page = client.get(f"/s/{link.token}/")
    assert page.status_code == 200
    instance_id = page.context["instance_id"]
    missing = client.post(f"/s/{link.token}/", {"instance_id": instance_id, "action": "submit", "tc1": "4"})
    assert missing.status_code == 422
    body = missing.content.decode()
    assert "error-summary" in body and 'value="4" checked' in body, "errors listed, answers kept"
    done = client.post(f"/s/{link.token}/", {**VALID, "instance_id": instance_id, "action": "submit"})
    assert done.status_code == 302 and "/cam-on/" in done["Location"]
    again = client.post(f"/s/{link.token}/", {**VALID, "instance_id": instance_id, "action": "submit"})
    assert again.status_code == 302, "a double click lands on the thank-you page too"
    assert Response.objects.filter(instance_id=instance_id).count() == 1


def test_save_and_resume_with_a_code(client, open_campaign):
    link = open_campaign.links.get(unit__code="20242", service_point__isnull=True)
    saved = client.post(f"/s/{link.token}/", {"instance_id": "resume-me", "action": "save", "tc1": "2"})
    code = saved.context["resume_code"]
    assert len(code) == 8 and code in saved.content.decode()
    resumed = client.get(f"/s/{link.token}/", {"resume": code.lower()})
    assert resumed.context["instance_id"] == "resume-me"
    assert 'value="2" checked' in resumed.content.decode()


def test_closed_campaign_page_says_so(client, open_campaign):
    link = open_campaign.links.get(unit__code="20242", service_point__isnull=True)
    campaign_transition(campaign=open_campaign, to="closed")
    page = client.get(f"/s/{link.token}/").content.decode()
    assert "hiện không nhận câu trả lời" in page or "không mở" in page


def test_invitation_answers_once(client, open_campaign, unit):
    from hailong.collection.services import invitations_create

    (invitation,) = invitations_create(campaign=open_campaign, unit=unit("20242"), people=[{"name": "An"}])
    first = client.post(f"/i/{invitation.token}/", {**VALID, "instance_id": "inv-1", "action": "submit"})
    assert first.status_code == 302
    assert client.get(f"/i/{invitation.token}/").status_code == 410
    second = client.post(f"/i/{invitation.token}/", {**VALID, "instance_id": "inv-2", "action": "submit"})
    assert second.status_code == 422
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_json_endpoint_statuses(client, open_campaign):
    link = open_campaign.links.get(unit__code="20242", service_point__isnull=True)
    url = f"/s/{link.token}/submit"
    ok = client.post(url, {"instance_id": "j1", "answers": VALID}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["status"] == "created"
    assert (
        client.post(url, {"instance_id": "j1", "answers": VALID}, content_type="application/json").status_code
        == 200
    )
    bad = client.post(url, {"instance_id": "j2", "answers": {"tc1": "x"}}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"]
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert (
        client.post(
            "/s/nope/submit", {"instance_id": "j3", "answers": {}}, content_type="application/json"
        ).status_code
        == 404
    )


def test_the_fast_insert_writes_what_the_orm_would(open_campaign, unit):
    from django.forms.models import model_to_dict

    result = response_submit(
        campaign=open_campaign, unit=unit("20242"), channel=Channel.WEB, instance_id="fast", answers=VALID
    )
    stored = Response.objects.get(instance_id="fast")
    assert model_to_dict(stored) == model_to_dict(result.response)
    assert stored.uuid == result.response.uuid and stored.received_at == result.response.received_at


@pytest.mark.django_db(transaction=True)  # the app closes old connections at each request, as in production
def test_the_production_entry_point_serves_submissions_outside_django(open_campaign):
    """config/wsgi.py sends POST /s/<token>/submit to the bare WSGI app: same answers, same rules."""
    import io
    import json

    from hailong.config.wsgi import application

    link = open_campaign.links.get(unit__code="20242", service_point__isnull=True)

    def call(method, path, body=b""):
        captured = {}

        def start_response(status, headers):
            captured["status"], captured["headers"] = status, dict(headers)

        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "wsgi.input": io.BytesIO(body),
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
        }
        content = b"".join(application(environ, start_response))
        return (
            captured["status"],
            captured["headers"],
            json.loads(content) if content.startswith(b"{") else content,
        )

    body = json.dumps({"instance_id": "wsgi-1", "answers": VALID}).encode()
    status, headers, payload = call("POST", f"/s/{link.token}/submit", body)
    assert status.startswith("201") and payload["status"] == "created"
    assert headers["Content-Type"] == "application/json"
    assert call("POST", f"/s/{link.token}/submit", body)[0].startswith("200")
    assert call("POST", f"/s/{link.token}/submit", b"{oops")[0].startswith("400")
    assert call("POST", "/s/unknown/submit", body)[0].startswith("404")
    assert Response.objects.filter(instance_id="wsgi-1").count() == 1
