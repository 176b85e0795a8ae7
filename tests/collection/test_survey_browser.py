"""A citizen answers the SIPAS survey on a phone from a unit's public link (real Chromium)."""

import json
import uuid

import pytest

from hailong.collection.models import Channel, Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link(small_world):
    from hailong.campaigns.models import Campaign

    campaign = Campaign.objects.get(code=small_world.DEMO_CAMPAIGN_CODE)
    return campaign.links.select_related("unit").get(unit__code="20242", service_point__isnull=True)


def answer_visible_questions(page, choices: dict[str, str]) -> None:
    """Answer every question shown on the current part: given choices first, else a sensible default.

    Questions are taken by name, pass after pass, until no visible one is left unanswered: an answer
    may reveal a question (skip logic) or hide one — looking questions up by position would wait
    for an element that is gone."""
    answered: set[str] = set()
    while True:
        names = page.locator(".block:visible .q:visible").evaluate_all("els => els.map(e => e.dataset.name)")
        pending = [name for name in names if name not in answered]
        if not pending:
            return
        for name in pending:
            answered.add(name)
            question = page.locator(f".block:visible .q[data-name='{name}']")
            if question.is_visible():
                _answer(question, name, choices)


def _answer(question, name: str, choices: dict[str, str]) -> None:
    """Answer one question: the given choice, else a sensible default (4 on a scale, 1 for numbers)."""
    radios = question.locator("input[type=radio]")
    if name in choices:
        value = choices[name]
        if radios.count():
            question.locator(f"input[value='{value}']").check()
        else:
            field = question.locator("input, textarea").first
            field.fill(value)
            field.blur()
    elif radios.count():
        wanted = question.locator("input[value='4']")
        (wanted if wanted.count() else radios.first).check()
    elif question.locator("input[type=number]").count():
        question.locator("input[type=number]").fill("1")
        question.locator("input[type=number]").blur()


def test_answer_the_sipas_survey_on_a_phone_with_skip_logic(phone, live_server, link):
    phone.goto(f"{live_server.url}/s/{link.token}/?c=qr")
    assert phone.locator("h1").inner_text().startswith("Khảo sát sự hài lòng")
    # The survey page is light: HTML + CSS + JS under 100 KB (fonts aside).
    sizes = phone.evaluate(
        "performance.getEntriesByType('resource').map(r => r.transferSize || r.encodedBodySize)"
        ".concat(performance.getEntriesByType('navigation').map(n => n.transferSize || n.encodedBodySize))"
    )
    assert sum(sizes) < 100 * 1024, sizes
    assert phone.locator("#progress").is_visible()

    feedback_section = phone.locator(".q[data-name='e5_chung']")
    seen_feedback, seen_reason = False, False
    for _part in range(20):
        answer_visible_questions(
            phone, {"gop_y": "yes", "so_lan_di_lai": "5", "ly_do_di_lai": "Thiếu hướng dẫn"}
        )
        seen_feedback = seen_feedback or feedback_section.is_visible()
        seen_reason = seen_reason or phone.locator(".q[data-name='ly_do_di_lai']").is_visible()
        if phone.locator("#submit").is_visible():
            break
        phone.get_by_role("button", name="Tiếp", exact=True).click()
    assert seen_reason, "more than 3 trips shows the question why"
    assert seen_feedback, "having given feedback shows the feedback-handling element"
    phone.locator("#submit").click()
    phone.wait_for_url("**/cam-on/**")
    assert "Cảm ơn" in phone.locator("h1").inner_text()

    stored = Response.objects.get(public_link=link)
    assert stored.channel == Channel.QR
    assert stored.answers["gop_y"] == "yes" and stored.answers["e5_chung"] == "4"
    assert stored.answers["ly_do_di_lai"] == "Thiếu hướng dẫn"
    assert Response.objects.filter(instance_id=stored.instance_id).count() == 1


def test_skip_logic_hides_what_does_not_apply(phone, live_server, link):
    phone.goto(f"{live_server.url}/s/{link.token}/")
    for _part in range(20):
        answer_visible_questions(phone, {"gop_y": "no", "so_lan_di_lai": "1"})
        assert not phone.locator(".q[data-name='e5_chung']").is_visible()
        assert not phone.locator(".q[data-name='ly_do_di_lai']").is_visible()
        if phone.locator("#submit").is_visible():
            break
        phone.get_by_role("button", name="Tiếp", exact=True).click()
    phone.locator("#submit").click()
    phone.wait_for_url("**/cam-on/**")
    stored = Response.objects.get(public_link=link)
    assert "e5_chung" not in stored.answers and stored.answers["gop_y"] == "no"


def test_a_required_answer_is_asked_for_before_moving_on(phone, live_server, link):
    phone.goto(f"{live_server.url}/s/{link.token}/")
    phone.get_by_role("button", name="Tiếp", exact=True).click()  # the intro part has nothing required
    phone.get_by_role("button", name="Tiếp", exact=True).click()  # the profile part has: stay and say so
    assert phone.locator(".error.live").first.is_visible()
    assert "cần được trả lời" in phone.locator(".error.live").first.inner_text()


def test_the_same_instance_sent_twice_at_the_same_moment_is_stored_once(phone, live_server, link):
    import random

    from hailong.collection.formspec import form_spec
    from hailong.demo.responses import synthetic_answers, unit_profile

    spec = form_spec(link.campaign.version)
    rng = random.Random(1)
    answers = synthetic_answers(spec, unit_profile(rng, ["E1", "E2", "E3", "E4", "E5"]), rng, {})
    body = json.dumps({"instance_id": str(uuid.uuid4()), "answers": answers})
    phone.goto(f"{live_server.url}/s/{link.token}/")
    statuses = phone.evaluate(
        """async ([url, body]) => {
            const send = () => fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body});
            const results = await Promise.all([send(), send()]);
            return results.map(r => r.status).sort();
        }""",
        [f"{live_server.url}/s/{link.token}/submit", body],
    )
    assert statuses == [200, 201]
    assert Response.objects.filter(instance_id=json.loads(body)["instance_id"]).count() == 1


def test_the_form_works_without_javascript(browser, live_server, link):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{link.token}/")
    # Everything is on one page, conditional questions say when they apply.
    assert page.locator(".q[data-name='e5_chung']").is_visible()
    assert "Trả lời nếu" in page.locator(".q[data-name='e5_chung'] .cond").inner_text()
    page.locator("#submit").click()  # nothing answered: the server lists what is missing
    assert page.locator("#error-summary").is_visible()
    assert Response.objects.filter(public_link=link).count() == 0
    for question in page.locator(".q").all():
        radios = question.locator("input[type=radio]")
        name = question.get_attribute("data-name")
        if name == "gop_y":
            question.locator("input[value='no']").check()
        elif radios.count():
            wanted = question.locator("input[value='4']")
            (wanted if wanted.count() else radios.first).check()
        elif question.locator("input[type=number]").count():
            question.locator("input[type=number]").fill("2")
    page.locator("#submit").click()
    assert "/cam-on/" in page.url
    stored = Response.objects.get(public_link=link)
    assert "e5_chung" not in stored.answers, "answers to questions that do not apply are dropped"
    context.close()
