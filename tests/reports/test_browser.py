"""Real Chromium against the live server, on the demo campaign: sign in → dashboard → a unit's
scorecard → the PDF and the XLSX downloaded and opened. Screenshots go to the artefacts folder."""

import io
import os
from pathlib import Path

import pytest

from hailong.demo.services import DEMO_PASSWORD
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(os.environ.get("HAILONG_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts")) / "reports"


@pytest.fixture
def demo_run(small_world):
    from hailong.demo.services import demo_campaign_seed, demo_estimation_seed
    from hailong.indices.models import EstimationRun

    campaign = demo_campaign_seed(responses=220)
    demo_estimation_seed(campaign=campaign)
    run = EstimationRun.objects.get(campaign=campaign, status="done")
    from tests.reports.conftest import add_breakdowns_and_drivers

    add_breakdowns_and_drivers(run)
    return run


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30000)
    yield page
    context.close()


def test_dashboard_scorecard_and_downloads(desktop, live_server, demo_run, tmp_path):
    import openpyxl
    import pypdf

    from hailong.core.formatting import format_percent
    from hailong.indices.models import EstimateValue
    from hailong.units.models import Unit

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page, base = desktop, live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("quanly")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.get_by_role("link", name="Bảng điều khiển").first.click()
    page.get_by_role("link", name=f"Bảng điều khiển (đợt #{demo_run.pk})").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bảng điều khiển")
    # Every chart is drawn by vega-embed (an SVG inside each figure), none failed.
    page.wait_for_function(
        "document.querySelectorAll('figure[data-chart]').length > 0 && "
        "document.querySelectorAll('figure[data-chart].drawn').length === document.querySelectorAll('figure[data-chart]').length",
        timeout=60000,
    )
    assert page.locator("figure.failed").count() == 0
    assert page.locator("figure[data-chart] .chart-view svg").count() >= 5
    overall = EstimateValue.objects.get(run=demo_run, domain="overall", kind="overall")
    assert page.locator("[data-figure=overall]").inner_text() == format_percent(overall.estimate * 100, 2)
    # Axis labels use the Vietnamese decimal comma / percent format.
    assert "%" in page.locator("figure[data-chart] .chart-view svg").first.text_content()
    page.screenshot(path=str(ARTEFACTS / "dashboard.png"), full_page=True)
    # On a phone: the charts fit, nothing makes the page itself scroll sideways.
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    page.wait_for_function(
        "document.querySelectorAll('figure[data-chart].drawn').length === document.querySelectorAll('figure[data-chart]').length"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTEFACTS / "dashboard-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Filters: communes, and the channel breakdown.
    page.get_by_label("Loại đơn vị").select_option(label=page.locator("#f-group option").nth(1).inner_text())
    page.get_by_label("Người trả lời theo").select_option("channel")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_selector("figure[data-chart].drawn")
    assert page.locator("#spec-breakdown").count() == 1

    # A unit's scorecard from the ranked grid.
    unit = Unit.objects.get(
        pk=EstimateValue.objects.filter(run=demo_run, domain="unit", kind="overall", unit_type="commune")
        .order_by("rank")
        .values_list("unit_id", flat=True)
        .first()
    )
    page.locator(f"ol.unit-grid a[href$='/units/{unit.pk}/']").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(unit.name)
    mine = EstimateValue.objects.get(run=demo_run, domain="unit", unit=unit, kind="overall")
    shown = page.locator("[data-figure=overall]").inner_text()
    assert shown == format_percent(mine.estimate * 100, 2)
    page.wait_for_selector("figure[data-chart].drawn")
    page.screenshot(path=str(ARTEFACTS / "scorecard.png"), full_page=True)

    # The unit's PDF: made in the background, then downloaded.
    page.get_by_role("button", name="Tải báo cáo PDF").click()
    page.wait_for_selector("text=Tải hailong-")
    page.screenshot(path=str(ARTEFACTS / "export.png"))
    with page.expect_download() as info:
        page.locator("a[download]").click()
    pdf_path = tmp_path / "unit.pdf"
    info.value.save_as(pdf_path)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(str(pdf_path)).pages)
    assert unit.name in text
    assert shown in text

    # The campaign's workbook from the dashboard.
    page.goto(f"{base}/reports/runs/{demo_run.pk}/")
    page.get_by_role("button", name="Tải bảng tính (XLSX)").click()
    page.wait_for_selector("text=Tải hailong-")
    with page.expect_download() as info:
        page.locator("a[download]").click()
    xlsx_path = tmp_path / "campaign.xlsx"
    info.value.save_as(xlsx_path)
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_path.read_bytes()))
    found = [
        row
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        if unit.name in [str(c) for c in row]
    ]
    assert found, "the unit is in the workbook"
    assert mine.estimate in found[0]
