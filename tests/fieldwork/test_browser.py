"""An interviewer on a phone (real Chromium): signs in, opens their people, interviews one."""

import pytest

from hailong.collection.models import Channel
from hailong.sampling.choices import FieldChannel, PersonStatus
from hailong.sampling.models import SampledPerson
from tests.collection.test_survey_browser import answer_visible_questions
from tests.fieldwork.conftest import build_sample
from tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def iphone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def assigned(small_world):
    from hailong.accounts.models import User
    from hailong.campaigns.models import Campaign
    from hailong.fieldwork.services import people_assign

    campaign = Campaign.objects.get(code=small_world.DEMO_CAMPAIGN_CODE)
    sample = build_sample(campaign, {"20242": (10, 3)}, reserve=1)
    people = list(
        SampledPerson.objects.filter(sample=sample, is_reserve=False).select_related("sample", "unit")
    )
    dieutra = User.objects.get(username="dieutra")
    people_assign(
        campaign=campaign, people=people, channel=FieldChannel.INTERVIEWER, interviewer=dieutra, actor=None
    )
    return sorted(people, key=lambda p: p.pk)


def test_interviewer_interviews_an_assigned_person_on_a_phone(iphone, live_server, assigned):
    page = iphone
    sign_in(page, live_server.url, "dieutra")
    page.get_by_role("link", name="Điều tra thực địa").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Người cần phỏng vấn"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
    person = assigned[0]
    name = person.record.contact.name
    card = page.locator(f"#person-{person.pk}")
    assert name in card.inner_text() and person.record.contact.phone in card.inner_text()
    assert card.get_by_role("link", name=person.record.contact.phone).get_attribute("href").startswith("tel:")

    card.get_by_role("link", name="Phỏng vấn").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Khảo sát sự hài lòng")
    assert name in page.locator(".crumb").inner_text()
    for _part in range(25):
        answer_visible_questions(page, {"gop_y": "no", "so_lan_di_lai": "1"})
        if page.locator("#submit").is_visible():
            break
        page.get_by_role("button", name="Tiếp", exact=True).click()
    page.locator("#submit").click()
    page.wait_for_url(f"**/fieldwork/people/#person-{person.pk}")
    assert "Đã lưu phiếu trả lời" in page.get_by_role("status").first.inner_text()
    done = page.locator(f"#person-{person.pk}")
    assert "Hoàn thành" in done.inner_text()
    assert done.get_by_role("link", name="Phỏng vấn").count() == 0

    person.refresh_from_db()
    assert person.status == PersonStatus.COMPLETED
    assert person.response is not None and person.response.channel == Channel.INTERVIEWER
    assert person.response.interviewer.username == "dieutra" and person.response.answers["gop_y"] == "no"
    assert SampledPerson.objects.filter(pk=assigned[1].pk, status=PersonStatus.PENDING).exists()
