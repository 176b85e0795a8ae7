"""A supervisor reviews in real Chromium: rejects a flagged response, and the next estimation run no
longer counts it."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from hailong.accounts.models import User
from hailong.campaigns.models import Campaign
from hailong.collection.formspec import form_spec
from hailong.collection.models import Channel, Response
from hailong.collection.services import response_submit
from hailong.demo.responses import synthetic_answers, unit_profile
from hailong.indices.models import EstimateValue
from hailong.indices.services import run_create, run_execute
from hailong.methodology.choices import QuestionKind
from hailong.quality.choices import Decision
from hailong.quality.services import approve_unflagged, flags_compute, review_decide
from tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewed_campaign(small_world):
    """The demo campaign with 24 ordinary responses in two wards and one straight-liner (every
    satisfaction answer "1") in Hải Châu, all submitted through the collection service and approved —
    the straight-liner by a reviewer who did not look at its flag."""
    campaign = Campaign.objects.get(code=small_world.DEMO_CAMPAIGN_CODE)
    links = {
        link.unit.code: link
        for link in campaign.links.select_related("unit").filter(service_point__isnull=True)
    }
    spec = form_spec(campaign.version)
    rng = random.Random(5)
    profile = unit_profile(rng, ["E1", "E2", "E3", "E4", "E5"])
    now = timezone.now()

    def submit(code, answers, n):
        return response_submit(
            campaign=campaign,
            unit=links[code].unit,
            channel=Channel.WEB,
            instance_id=f"browser-review:{n}",
            answers=answers,
            public_link=links[code],
            started_at=now - timedelta(minutes=12 + n % 5),
            completed_at=now,
        ).response

    for n in range(24):
        submit("20242" if n % 2 else "20209", synthetic_answers(spec, profile, rng, {}), n)
    answers = synthetic_answers(spec, profile, rng, {})
    scale = {q.name for q in spec.questions if q.kind == QuestionKind.SATISFACTION}
    liner = submit("20242", {k: ("1" if k in scale and v != "9" else v) for k, v in answers.items()}, 99)
    manager = User.objects.get(username="quanly")
    flags_compute(campaign=campaign)
    # The 24 ordinary answers (and any unflagged demo ones) are approved; the straight-liner is not.
    assert approve_unflagged(campaign=campaign, actor=manager).decided >= 24
    liner.refresh_from_db()
    assert liner.status == "submitted"
    review_decide(response=liner, decision=Decision.APPROVE, actor=manager)
    return campaign, liner


def estimate(campaign, unit_code):
    run = run_execute(run=run_create(campaign=campaign, enqueue=False))
    assert run.status == "done", run.error
    value = EstimateValue.objects.get(run=run, domain="unit", unit__code=unit_code, kind="overall")
    return run.n_responses, value.estimate, value.n


def test_a_supervisor_rejects_a_flagged_response_and_the_next_run_leaves_it_out(
    phone, live_server, reviewed_campaign
):
    campaign, liner = reviewed_campaign
    n_before, index_before, unit_n_before = estimate(campaign, "20242")
    assert (n_before, unit_n_before) == (25, 13)

    sign_in(phone, live_server.url, "quanly")
    phone.get_by_role("link", name="Kiểm tra chất lượng").first.click()
    # The page is in Vietnamese whatever language an earlier test left active in this process.
    phone.get_by_role("link", name=campaign.name["vi"]).click()
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Kiểm tra chất lượng")
    # Flagged first: the straight-liner heads the queue, with the reason in words.
    first_row = phone.locator("#batch tbody tr").first
    assert first_row.get_by_role("link").first.inner_text() == f"#{liner.pk}"
    assert "đều là “1”" in first_row.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling on a phone"

    phone.get_by_label("Cờ", exact=True).select_option("straight_lining")
    phone.get_by_role("button", name="Lọc").click()
    assert phone.locator("#batch tbody tr").count() == 1
    phone.get_by_role("link", name=f"#{liner.pk}").click()
    assert phone.get_by_role("heading", level=1).inner_text() == f"Phiếu trả lời {liner.pk}"
    assert phone.get_by_text("Mọi câu trả lời về mức độ hài lòng giống hệt nhau").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.get_by_role("button", name="Từ chối").click()  # no reason: asked for one, nothing changes
    assert "Hãy nêu lý do từ chối." in phone.locator(".errorlist").first.inner_text()
    assert Response.objects.get(pk=liner.pk).status == "approved"
    phone.get_by_label("Lý do").fill("Trả lời một mạch toàn mức 1; gọi lại không liên lạc được")
    phone.get_by_role("button", name="Từ chối").click()
    phone.wait_for_url(lambda url: "kind=straight_lining" in url and "/r/" not in url)  # back to the queue
    assert f"Phiếu {liner.pk}: Bị từ chối." in phone.locator(".messages").inner_text()
    assert Response.objects.get(pk=liner.pk).status == "rejected"

    n_after, index_after, unit_n_after = estimate(campaign, "20242")
    assert (n_after, unit_n_after) == (n_before - 1, unit_n_before - 1)
    assert index_after > index_before, "an all-“1” response no longer pulls Hải Châu down"

    # The decision and its reason are in the response's history.
    phone.get_by_role("link", name=f"#{liner.pk}").click()
    history = phone.locator("table").first.inner_text()
    assert "Trả lời một mạch toàn mức 1" in history and "Đã duyệt → Bị từ chối" in history
