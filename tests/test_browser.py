"""Real Chromium, phone-sized, against the live server."""

import pytest

from hailong.demo.services import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_sign_in_browse_units_switch_language_sign_out(phone, live_server, small_world):
    base = live_server.url
    sign_in(phone, base, "quanly")
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Xin chào")
    # The stylesheet is served (the header is the brand's red, not unstyled black on white).
    header_colour = phone.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header_colour == "rgb(163, 20, 30)"
    # Nothing wider than the phone: no sideways scrolling of the page itself.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.get_by_role("link", name="Đơn vị").first.click()
    phone.get_by_role("link", name="Thành phố Đà Nẵng").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Thành phố Đà Nẵng"
    assert phone.get_by_text("Tỉnh Quảng Nam").is_visible()  # formed from it (lineage)
    phone.get_by_role("link", name="Phường Hải Châu").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Phường Hải Châu"

    phone.get_by_role("button", name="English").click()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.get_by_role("link", name="Units").first.is_visible()

    phone.get_by_role("button", name="Sign out").click()
    assert "/accounts/login/" in phone.url


def test_keyboard_only_sign_in(phone, live_server, small_world):
    phone.goto(f"{live_server.url}/accounts/login/")
    first_focusable = "document.querySelector('a[href], button, input:not([type=hidden])').className"
    assert phone.evaluate(first_focusable) == "skip-link"
    # The user-name field has the focus already: typing can start at once.
    assert phone.evaluate("document.activeElement.id") == "id_username"
    phone.keyboard.type("phantich")
    phone.keyboard.press("Tab")
    phone.keyboard.type(DEMO_PASSWORD)
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{live_server.url}/")
    assert "Chuyên viên phân tích" in phone.content()


def test_unit_import_shows_every_problem_then_imports(phone, live_server, small_world, tmp_path):
    from hailong.units.models import Unit

    sign_in(phone, live_server.url, "quanly")
    phone.goto(f"{live_server.url}/units/import/")
    bad = tmp_path / "don_vi.csv"
    bad.write_text(
        "code,name,type,parent_code\n48.MOI1,Sở mới,phòng,48\n48.MOI2,,department,48\n", encoding="utf-8"
    )
    phone.get_by_label("Tệp CSV hoặc XLSX").set_input_files(str(bad))
    phone.get_by_role("button", name="Kiểm tra và nhập").click()
    alert = phone.get_by_role("alert").filter(has_text="Không nhập đơn vị nào")
    assert alert.is_visible()
    assert phone.locator("table tbody tr").count() == 2
    assert not Unit.objects.filter(code__startswith="48.MOI").exists()

    good = tmp_path / "don_vi_dung.csv"
    good.write_text("code,name,type,parent_code\n48.MOI1,Sở mới,department,48\n", encoding="utf-8")
    phone.get_by_label("Tệp CSV hoặc XLSX").set_input_files(str(good))
    phone.get_by_role("button", name="Kiểm tra và nhập").click()
    assert phone.get_by_role("status").is_visible()
    assert Unit.objects.filter(code="48.MOI1").count() == 1
