import threading
import uuid

import pytest
from django.db import connection

from hailong.campaigns.models import CampaignStatus
from hailong.campaigns.services import campaign_transition
from hailong.collection.models import Channel, RejectedSubmission, Response
from hailong.collection.services import SubmissionInvalid, SubmissionRejected, response_submit
from tests.small_form import VALID

pytestmark = pytest.mark.django_db


def submit(campaign, unit, instance_id=None, answers=None, **kwargs):
    return response_submit(
        campaign=campaign,
        unit=unit,
        channel=kwargs.pop("channel", Channel.WEB),
        instance_id=instance_id or str(uuid.uuid4()),
        answers=VALID if answers is None else answers,
        **kwargs,
    )


def test_a_response_is_stored_with_its_context(open_campaign, unit):
    result = submit(open_campaign, unit("20242"), instance_id="abc-1", language="en")
    assert result.created
    response = Response.objects.get(instance_id="abc-1")
    assert (response.campaign, response.version, response.unit.code) == (
        open_campaign,
        open_campaign.version,
        "20242",
    )
    assert response.channel == Channel.WEB and response.language == "en"
    assert response.answers == {"so_lan": 2, "tc1": "4", "gop_y": "no", "chung": "5"}


def test_the_same_instance_is_stored_once(open_campaign, unit):
    first = submit(open_campaign, unit("20242"), instance_id="same")
    again = submit(open_campaign, unit("20242"), instance_id="same", answers={**VALID, "chung": "1"})
    assert first.created and not again.created
    assert again.response.pk == first.response.pk
    assert Response.objects.filter(instance_id="same").count() == 1
    assert Response.objects.get(instance_id="same").answers["chung"] == "5", "a retry never overwrites"


def test_a_retry_after_the_campaign_closed_still_finds_the_stored_response(open_campaign, unit):
    submit(open_campaign, unit("20242"), instance_id="late-retry")
    campaign_transition(campaign=open_campaign, to=CampaignStatus.CLOSED)
    open_campaign.refresh_from_db()
    again = submit(open_campaign, unit("20242"), instance_id="late-retry")
    assert not again.created


def test_an_invalid_submission_is_kept_for_review(open_campaign, unit):
    with pytest.raises(SubmissionRejected) as caught:
        submit(open_campaign, unit("20242"), instance_id="bad-1", answers={"tc1": "8"}, channel=Channel.API)
    rejection = caught.value.rejection
    assert RejectedSubmission.objects.filter(pk=rejection.pk, instance_id="bad-1").exists()
    assert rejection.payload["answers"] == {"tc1": "8"}
    assert {e["question"] for e in rejection.errors} == {"so_lan", "tc1", "gop_y", "chung"}
    assert not Response.objects.filter(instance_id="bad-1").exists()


def test_an_interactive_failure_is_not_a_rejection(open_campaign, unit):
    with pytest.raises(SubmissionInvalid):
        submit(open_campaign, unit("20242"), answers={}, keep_rejection=False)
    assert RejectedSubmission.objects.count() == 0


def test_closed_campaigns_and_non_participating_units_are_refused(open_campaign, unit):
    with pytest.raises(SubmissionRejected) as caught:
        submit(open_campaign, unit("20263"))  # Sơn Trà does not take part
    assert caught.value.errors[0].code == "unit"
    campaign_transition(campaign=open_campaign, to=CampaignStatus.CLOSED)
    open_campaign.refresh_from_db()
    with pytest.raises(SubmissionRejected) as caught:
        submit(open_campaign, unit("20242"))
    assert caught.value.errors[0].code == "campaign_closed"


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_one_response(open_campaign, unit):
    """Eight threads send the same instance at once: exactly one row, every caller gets it."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pass  # in-memory SQLite is shared between threads in tests; the unique index still decides
    ward = unit("20242")
    barrier = threading.Barrier(8)
    results, failures = [], []

    def worker():
        from django.db import connections

        try:
            barrier.wait()
            results.append(submit(open_campaign, ward, instance_id="race"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Response.objects.filter(instance_id="race").count() == 1
    assert sum(r.created for r in results) == 1
    assert len({r.response.pk for r in results}) == 1


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_replaced_and_the_submission_stored_once(open_campaign, unit):
    """PostgreSQL restarted under the web process: the next submission still lands, once."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL behaviour (server-side prepared insert); runs in the PostgreSQL pass")
    ward = unit("20242")
    link = open_campaign.links.get(unit=ward, service_point__isnull=True)
    submit(open_campaign, ward, instance_id="before-drop", public_link=link)
    with connection.cursor() as cursor:
        pid = cursor.connection.info.backend_pid
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The link endpoint's path: nothing but the insert touches the database.
    result = submit(open_campaign, ward, instance_id="after-drop", public_link=link)
    assert result.created
    assert Response.objects.filter(instance_id="after-drop").count() == 1
