"""Publishing and withdrawing: who may, what is refused, what is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hailong.audit.models import AuditAction, AuditEvent
from hailong.indices.models import EstimationRun, Publication
from hailong.indices.publication import (
    live_publication,
    publication_withdraw,
    published_campaigns,
    run_publish,
    suppressed,
)
from hailong.indices.services import run_create, run_execute

pytestmark = pytest.mark.django_db


def test_a_manager_of_the_organiser_publishes_with_the_default_minimum_and_it_is_audited(done_run, people):
    publication = run_publish(run=done_run, actor=people["manager"], note="  Kết quả chính thức  ")
    assert publication.is_live and publication.min_respondents == 30
    assert publication.note == "Kết quả chính thức"
    assert live_publication(done_run.campaign) == publication
    assert [p.pk for p in published_campaigns()] == [publication.pk]
    event = AuditEvent.objects.get(action=AuditAction.RESULTS_PUBLISHED)
    assert event.actor == people["manager"] and event.unit_path == done_run.campaign.organiser.path
    assert event.details["run"] == done_run.pk and event.details["min_respondents"] == 30
    assert event.details["inputs_fingerprint"] == done_run.inputs_fingerprint


@pytest.mark.parametrize("who", ["analyst", "viewer", "other_manager"])
def test_only_results_publish_on_the_organiser_may_publish(done_run, people, who):
    with pytest.raises(PermissionDenied):
        run_publish(run=done_run, actor=people[who])
    assert not Publication.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.RESULTS_PUBLISHED).exists()


def test_the_minimum_may_be_raised_or_lowered_within_bounds(done_run, people, settings):
    settings.HAILONG_PUBLISH_MIN_RESPONDENTS = 45
    with pytest.raises(ValidationError):
        run_publish(run=done_run, actor=people["manager"], min_respondents=0)
    assert run_publish(run=done_run, actor=people["manager"]).min_respondents == 45


def test_only_a_done_official_run_is_published(portal_data, done_run, people):
    queued = run_create(campaign=portal_data, enqueue=False)
    with pytest.raises(ValidationError, match="hoàn thành"):
        run_publish(run=queued, actor=people["manager"])
    recomputed = run_execute(run=run_create(campaign=portal_data, enqueue=False))
    EstimationRun.objects.filter(pk=recomputed.pk).update(official=False)  # as a lineage recomputation is
    recomputed.refresh_from_db()
    with pytest.raises(ValidationError, match="không chính thức"):
        run_publish(run=recomputed, actor=people["manager"])
    assert not Publication.objects.exists()


def test_publishing_another_run_withdraws_the_earlier_one_and_a_withdrawn_run_stays_withdrawn(
    portal_data, done_run, people
):
    first = run_publish(run=done_run, actor=people["manager"])
    second_run = run_execute(run=run_create(campaign=portal_data, enqueue=False))
    second = run_publish(run=second_run, actor=people["manager"], min_respondents=10)
    first.refresh_from_db()
    assert not first.is_live and str(second_run.pk) in first.withdrawn_reason
    assert first.withdrawn_by == people["manager"]
    assert live_publication(portal_data) == second
    assert Publication.objects.filter(campaign=portal_data, withdrawn_at__isnull=True).count() == 1
    withdrawn = AuditEvent.objects.get(action=AuditAction.PUBLICATION_WITHDRAWN)
    assert withdrawn.details["run"] == done_run.pk and withdrawn.details["replaced_by"] == second_run.pk
    published = AuditEvent.objects.filter(action=AuditAction.RESULTS_PUBLISHED).order_by("id")
    assert [e.details["replaced"] for e in published] == [None, done_run.pk]
    with pytest.raises(ValidationError, match="đã được công bố"):
        run_publish(run=done_run, actor=people["manager"])


def test_withdrawing_needs_the_permission_and_a_reason_and_is_audited(published, people):
    with pytest.raises(PermissionDenied):
        publication_withdraw(publication=published, actor=people["analyst"], reason="Sai số liệu")
    with pytest.raises(ValidationError):
        publication_withdraw(publication=published, actor=people["manager"], reason="   ")
    published.refresh_from_db()
    assert published.is_live
    publication_withdraw(publication=published, actor=people["manager"], reason="Phát hiện sai sót nhập liệu")
    published.refresh_from_db()
    assert not published.is_live and published.withdrawn_reason == "Phát hiện sai sót nhập liệu"
    event = AuditEvent.objects.get(action=AuditAction.PUBLICATION_WITHDRAWN)
    assert event.actor == people["manager"] and event.details["reason"] == "Phát hiện sai sót nhập liệu"
    assert live_publication(published.campaign) is None and published_campaigns() == []
    with pytest.raises(ValidationError, match="đã được gỡ"):
        publication_withdraw(publication=published, actor=people["manager"], reason="lần nữa")


def test_suppressed():
    class Figure:
        n = 29

    assert suppressed(Figure(), 30) and not suppressed(Figure(), 29)
    assert suppressed(None, 1) and suppressed(5, 6) and not suppressed(6, 6)


# ---------------------------------------------------------------------------------------------------
# The buttons on the run page


def _login(client, user):
    client.logout()
    client.force_login(user)


def test_the_run_page_offers_publishing_to_managers_only_and_the_buttons_work(client, done_run, people):
    url = f"/results/runs/{done_run.pk}/"
    _login(client, people["analyst"])
    page = client.get(url).content.decode()
    assert "Chưa công bố" in page and f"/results/runs/{done_run.pk}/publish/" not in page
    assert client.post(f"/results/runs/{done_run.pk}/publish/", {"min_respondents": 30}).status_code == 403
    assert not Publication.objects.exists()

    _login(client, people["manager"])
    page = client.get(url).content.decode()
    assert f"/results/runs/{done_run.pk}/publish/" in page and 'value="30"' in page
    response = client.post(
        f"/results/runs/{done_run.pk}/publish/", {"min_respondents": 25, "note": "Chính thức"}
    )
    assert response.status_code == 302
    publication = Publication.objects.get(run=done_run)
    assert publication.min_respondents == 25
    event = AuditEvent.objects.get(action=AuditAction.RESULTS_PUBLISHED)
    assert event.ip_address == "127.0.0.1"
    page = client.get(url).content.decode()
    assert "Gỡ công bố" in page and f"/cong-khai/{done_run.campaign.code}/" in page

    # Withdrawing without a reason is refused; with one it works.
    client.post(f"/results/runs/{done_run.pk}/withdraw/", {"reason": ""})
    publication.refresh_from_db()
    assert publication.is_live
    client.post(f"/results/runs/{done_run.pk}/withdraw/", {"reason": "Số liệu cần rà soát lại"})
    publication.refresh_from_db()
    assert not publication.is_live
    page = client.get(url).content.decode()
    assert "Số liệu cần rà soát lại" in page


def test_a_manager_elsewhere_cannot_even_see_the_run(client, done_run, people):
    _login(client, people["other_manager"])
    assert client.post(f"/results/runs/{done_run.pk}/publish/", {"min_respondents": 30}).status_code == 404
    assert not Publication.objects.exists()


def test_the_demo_publishes_its_latest_official_run_once(registry):
    from hailong.demo.services import DEMO_CAMPAIGN_CODE, demo_seed
    from hailong.portal.demo import DEMO_MIN_RESPONDENTS

    demo_seed(province_only=True, responses=250)
    publication = Publication.objects.get(campaign__code=DEMO_CAMPAIGN_CODE)
    assert publication.is_live and publication.run.official and publication.run.status == "done"
    assert publication.min_respondents == DEMO_MIN_RESPONDENTS
    assert publication.published_by.username == "quanly"
    demo_seed(province_only=True, responses=250)
    assert Publication.objects.filter(campaign__code=DEMO_CAMPAIGN_CODE).count() == 1
