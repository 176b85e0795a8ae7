"""The public portal in a real Chromium on a phone, with screenshots, and an axe-core scan of the
portal pages and the public survey page (no serious or critical violations)."""

import os
from pathlib import Path

import pytest

from tests.collection.test_survey_browser import answer_visible_questions
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(os.environ.get("HAILONG_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts")) / "portal"
# What sticks out of a phone's width (outside the tables, which scroll on their own).
WIDE = (
    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361"
    " && !e.closest('.table-wrap')).map(e => e.tagName + '.' + e.className).slice(0, 5)"
)


@pytest.fixture
def demo_published(small_world):
    """The demo campaign with synthetic responses, its official run, published as the demo does."""
    from hailong.accounts.models import User
    from hailong.indices.publication import run_publish

    campaign = small_world.demo_campaign_seed(responses=300)
    small_world.demo_estimation_seed(campaign=campaign)
    run = campaign.estimation_runs.get(status="done")
    # About 12 respondents per unit here: a low minimum, so most units are ranked and some are not.
    return run_publish(run=run, actor=User.objects.get(username="quanly"), min_respondents=10)


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page (axe.min.js from the installed wheel)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "help": v["help"],
        }
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_read_the_published_results_on_a_phone_without_javascript(browser, live_server, demo_published):
    from hailong.indices.choices import DomainKind, FigureKind
    from hailong.indices.models import EstimateValue
    from hailong.indices.templatetags.indices import share

    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        base = live_server.url
        page.goto(f"{base}/cong-khai/")
        assert page.locator("html").get_attribute("lang") == "vi"
        assert page.get_by_role("heading", level=1).is_visible()
        shot(page, "home")
        page.get_by_role("link", name=str(demo_published.campaign)).click()
        overall = EstimateValue.objects.get(
            run=demo_published.run, domain=DomainKind.OVERALL, kind=FigureKind.OVERALL
        )
        assert page.locator(".figure").first.inner_text() == share(overall.estimate)
        assert page.get_by_role("table").count() >= 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.evaluate(WIDE)
        shot(page, "campaign")
        first = page.locator("table a[href*='/don-vi/']").first
        name = first.inner_text()
        first.click()
        assert page.get_by_role("heading", level=1).inner_text() == name
        assert page.get_by_text("Chỉ số hài lòng chung").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.evaluate(WIDE)
        shot(page, "unit")
        page.get_by_role("link", name="Phương pháp").first.click()
        assert page.get_by_role("heading", name="Khoảng tin cậy").is_visible()
        shot(page, "methodology")
        page.get_by_role("link", name="English").click()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="The confidence interval").is_visible()
    finally:
        context.close()


def test_portal_pages_have_no_serious_accessibility_violations(phone, live_server, demo_published):
    from hailong.indices.models import EstimateValue

    base, code = live_server.url, demo_published.campaign.code
    unit_code = (
        EstimateValue.objects.filter(run=demo_published.run, domain="unit", kind="overall", n__gte=10)
        .select_related("unit")
        .first()
        .unit.code
    )
    found = {}
    for name, path in (
        ("home", "/cong-khai/"),
        ("campaign", f"/cong-khai/{code}/"),
        ("unit", f"/cong-khai/{code}/don-vi/{unit_code}/"),
        ("methodology", "/cong-khai/phuong-phap/"),
    ):
        phone.goto(base + path)
        violations = axe_violations(phone)
        if violations:
            found[name] = violations
    assert found == {}


def test_the_public_survey_page_has_no_serious_accessibility_violations(phone, live_server, small_world):
    from hailong.campaigns.models import Campaign

    campaign = Campaign.objects.get(code=small_world.DEMO_CAMPAIGN_CODE)
    link = campaign.links.select_related("unit").get(unit__code="20242", service_point__isnull=True)
    phone.goto(f"{live_server.url}/s/{link.token}/?c=qr")
    found = {"first part": axe_violations(phone)}
    shot(phone, "survey")
    # The next part too, after answering the first (questions revealed by answers included).
    answer_visible_questions(phone, {})
    phone.get_by_role("button", name="Tiếp", exact=True).click()
    found["second part"] = axe_violations(phone)
    shot(phone, "survey-2")
    assert found == {"first part": [], "second part": []}


def test_page_through_and_search_a_ranking_on_a_phone_without_javascript(
    browser, phone, live_server, demo_published, settings
):
    from hailong.indices.publication import searchable

    settings.HAILONG_PORTAL_RANKING_PAGE_SIZE = 3
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/cong-khai/{demo_published.campaign.code}/")
        nav = page.get_by_role("navigation", name="Các trang của bảng xếp hạng").first
        assert nav.locator("[aria-current=page]").inner_text().endswith("1")
        group = page.locator("h2[id^=ranking-]").first.get_attribute("id")
        rows = f"#{group} ~ .table-wrap >> nth=0 >> a[href*='/don-vi/']"
        first_page = page.locator(rows).all_inner_texts()
        assert len(first_page) == 3
        nav.get_by_role("link", name="Trang sau").click()
        assert "page_" in page.url
        nav = page.get_by_role("navigation", name="Các trang của bảng xếp hạng").first
        assert nav.locator("[aria-current=page]").inner_text().endswith("2")
        second_page = page.locator(rows).all_inner_texts()
        assert second_page and not set(second_page) & set(first_page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.evaluate(WIDE)
        shot(page, "campaign-page-2")
        phone.goto(page.url)  # axe needs JavaScript: the same page in the phone with it
        assert axe_violations(phone) == []
        # The search is a plain GET form: type a name without accents, press Enter.
        wanted = second_page[0]
        page.get_by_label("Tìm đơn vị theo tên").fill(searchable(wanted))
        page.get_by_label("Tìm đơn vị theo tên").press("Enter")
        assert "q=" in page.url
        assert wanted in page.locator("table a[href*='/don-vi/']").all_inner_texts()
        shot(page, "campaign-search")
        phone.goto(page.url)
        assert axe_violations(phone) == []
    finally:
        context.close()
