"""The PAR INDEX in a real Chromium: a unit officer self-assesses with an evidence upload, the
appraiser adjusts one score with a reason, the unit sees it, the manager finalises and publishes,
and the public portal shows the rank."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import REFORM, REPO_ROOT
from tests.parindex.test_workflow import PDF
from tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(os.environ.get("HAILONG_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts")) / "parindex"


def shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def browser_cycle(small_world):
    from hailong.accounts.models import User
    from hailong.parindex.models import CriteriaSet
    from hailong.parindex.services import appraiser_assign, cycle_create, score_self_set
    from hailong.units.models import Unit

    admin = User.objects.get(username="admin")
    snv = Unit.objects.valid_on(REFORM).get(code="48.SNV")
    cycle = cycle_create(
        criteria_set=CriteriaSet.objects.get(unit_kind="department", source="Mẫu trình diễn"),
        organiser=Unit.objects.valid_on(REFORM).get(code="48"),
        year=2026,
        name="Chỉ số CCHC Sở Nội vụ (thử)",
        self_deadline=timezone.now() + timedelta(days=3),
        units=[snv],
        actor=admin,
        response_days=0,  # the window closes at once: the manager may finalise straight after
    )
    appraiser_assign(cycle=cycle, user=User.objects.get(username="thamdinh"), unit=snv, actor=admin)
    a = cycle.assessments.get()
    officer = User.objects.get(username="canbo.sonv")
    values = {"1.1.2": 100, "1.2.1": 30, "2.1.1": 2, "2.2.1": 100, "3.2.1": 8}
    for score in a.scores.select_related("criterion"):
        if score.criterion.code in values:
            score_self_set(score=score, value=values[score.criterion.code], actor=officer)
    return cycle, a


def _as(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server.url, username)
    return context, page


def test_self_assess_appraise_respond_publish(browser, live_server, browser_cycle, tmp_path):
    cycle, a = browser_cycle
    base = live_server.url
    evidence = tmp_path / "ke-hoach-cchc-2026.pdf"
    evidence.write_bytes(PDF)

    # The unit officer: the last criterion with an evidence file, then submits.
    context, page = _as(browser, live_server, "canbo.sonv")
    page.goto(f"{base}{a.get_absolute_url()}")
    page.get_by_label("Đã thực hiện? (1.1.1)").select_option("1")
    page.get_by_label("Giải trình (1.1.1)").fill("Kế hoạch ban hành ngày 10/01/2026")
    page.get_by_label("Tệp tài liệu kiểm chứng (1.1.1)").set_input_files(str(evidence))
    page.get_by_role("button", name="Lưu 1.1.1").click()
    assert page.locator("#self-total").inner_text() == "68,00 / 70,00"
    assert page.get_by_role("link", name="ke-hoach-cchc-2026.pdf").is_visible()
    shot(page, "1-self-assessment")
    page.get_by_role("button", name="Nộp bản tự đánh giá").click()
    assert page.locator("#status").inner_text() == "Đã gửi"
    context.close()

    # The appraiser adjusts 2.2.1 with a reason and sends the preliminary result.
    context, page = _as(browser, live_server, "thamdinh")
    page.goto(f"{base}{a.get_absolute_url()}")
    page.get_by_label("Điểm thẩm định (2.2.1)").fill("20")
    page.get_by_role("button", name="Lưu thẩm định 2.2.1").click()
    assert page.get_by_text("Hãy nêu lý do thay đổi điểm.").is_visible()
    page.get_by_label("Điểm thẩm định (2.2.1)").fill("20")
    page.get_by_label("Lý do (2.2.1)").fill("Tỷ lệ đúng hạn trên hệ thống là 97%")
    page.get_by_role("button", name="Lưu thẩm định 2.2.1").click()
    page.get_by_role("button", name="Gửi kết quả sơ bộ").click()
    assert page.locator("#status").inner_text() == "Đã gửi kết quả sơ bộ"
    shot(page, "2-appraisal")
    context.close()

    # The unit sees the adjustment and where it lost points.
    context, page = _as(browser, live_server, "canbo.sonv")
    page.goto(f"{base}{a.get_absolute_url()}")
    assert page.locator("#c-2\\.2\\.1 .appraised").inner_text() == (
        "Điểm thẩm định: 20,00 — lý do: Tỷ lệ đúng hạn trên hệ thống là 97%"
    )
    page.get_by_role("link", name="Bị mất điểm ở đâu").click()
    row = page.get_by_role("row").filter(has_text="2.2.1")
    assert "5,00" in row.inner_text() and "97%" in row.inner_text()
    shot(page, "3-lost-points")
    context.close()

    # The manager finalises and publishes; the portal shows the rank.
    context, page = _as(browser, live_server, "quanly")
    page.goto(f"{base}{a.get_absolute_url()}")
    page.get_by_role("button", name="Chốt kết quả").click()
    assert page.locator("#status").inner_text() == "Chính thức"
    page.goto(f"{base}/par/ky/{cycle.pk}/")
    page.get_by_role("button", name="Công bố trên cổng công khai").click()
    assert page.get_by_text("Kết quả đã được công bố trên cổng công khai.").is_visible()
    context.close()

    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/cong-khai/chi-so-cchc/")
    page.get_by_role("link", name=cycle.name).click()
    row = page.get_by_role("row").filter(has_text="Sở Nội vụ")
    cells = row.get_by_role("cell").all_inner_texts()
    assert cells[0] == "1"
    assert "63,00" in cells  # 63 of 70 points without the survey: index 90%, group A
    assert "90,00%" in cells and "A" in cells
    shot(page, "4-portal")
    context.close()
