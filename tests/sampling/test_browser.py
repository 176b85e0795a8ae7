"""A survey manager uploads a frame, plans and draws a sample, and sees the people (real Chromium)."""

import pytest

from hailong.demo.services import DEMO_PASSWORD
from hailong.sampling.models import Frame, Sample, SampledPerson
from tests.sampling.conftest import csv_bytes, frame_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def test_a_manager_uploads_a_frame_and_draws_a_sample(desktop, live_server, small_world, tmp_path):
    from hailong.campaigns.models import Campaign

    campaign = Campaign.objects.get(code=small_world.DEMO_CAMPAIGN_CODE)
    rows = frame_rows(240, units=("20242", "20209", "48.SNV"))
    rows[10][5] = "32/13/2026"  # one bad row, skipped on purpose
    frame_file = tmp_path / "ho_so_da_giai_quyet.csv"
    frame_file.write_bytes(csv_bytes(rows))

    page = desktop
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("quanly")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="Khung mẫu và mẫu").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Khung mẫu và mẫu"

    page.get_by_label("Tệp khung mẫu (CSV hoặc XLSX)").set_input_files(str(frame_file))
    page.get_by_label("Tên khung mẫu").fill("Hồ sơ tháng 1–8")
    page.get_by_label("Nhập các dòng hợp lệ và bỏ qua các dòng lỗi").check()
    page.get_by_role("button", name="Tải lên và nhập").click()
    page.wait_for_url("**/sampling/frames/**")
    status = page.get_by_role("status").filter(has_text="hồ sơ")
    assert "Đã nhập 239 hồ sơ" in status.inner_text() and "Đã bỏ qua 1 dòng có lỗi" in status.inner_text()
    problems = page.get_by_role("table").filter(has_text="32/13/2026")
    assert problems.locator("tbody tr").count() == 1 and "F (Ngày trả kết quả)" in problems.inner_text()

    page.get_by_role("link", name="Lập kế hoạch mẫu").click()
    assert page.get_by_label("Phường Hải Châu (20242)").count() == 1, (
        "the units of the frame can be forced in"
    )
    page.get_by_label("Đối tượng", exact=True).check()  # strata: unit × applicant type
    page.get_by_label("Sai số cho phép (± điểm phần trăm)").fill("15")
    seed = page.get_by_label("Hạt giống ngẫu nhiên").input_value()
    assert seed.isdigit(), "a random seed is proposed and shown"
    page.get_by_role("button", name="Tính cỡ mẫu").click()
    page.wait_for_url("**/sampling/samples/**")
    table = page.get_by_role("table").filter(has_text="Phân bổ")
    assert table.locator("tbody tr").count() == 6  # three units × two applicant types
    first_size = page.locator("input[name='size-0']")
    first_size.fill("3")
    page.get_by_role("button", name="Chọn mẫu").click()
    assert "Đã chọn mẫu." in page.get_by_role("status").inner_text()
    assert page.get_by_role("heading", name="Những người được chọn").is_visible()

    sample = Sample.objects.get(frame=Frame.objects.get(campaign=campaign, name="Hồ sơ tháng 1–8"))
    assert str(sample.seed) == seed and sample.status == "drawn"
    people = SampledPerson.objects.filter(sample=sample, is_reserve=False).select_related("record__contact")
    assert sample.allocation[0]["size"] == 3
    assert people.count() == sum(row["size"] for row in sample.allocation)
    person = people.first()
    listing = page.get_by_role("table").filter(has_text="người dự phòng")
    assert person.record.dossier_code in listing.inner_text()
    assert person.record.contact.name not in listing.inner_text()

    page.get_by_role("link", name="Hiện thông tin liên hệ (được ghi vào nhật ký)").click()
    listing = page.get_by_role("table").filter(has_text="người dự phòng")
    assert person.record.contact.phone in listing.inner_text()
