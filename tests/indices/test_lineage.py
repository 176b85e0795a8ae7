"""Re-estimating an earlier year on today's units, through the 2025 reorganisation of Đà Nẵng."""

from datetime import date

import numpy as np
import pytest

from hailong.campaigns.models import CampaignStatus
from hailong.campaigns.services import campaign_create, campaign_set_units, campaign_transition
from hailong.indices.lineage import successors_on
from hailong.indices.method import method_from_version
from hailong.indices.models import EstimateValue
from hailong.indices.selectors import baseline_default, run_compare
from hailong.indices.services import run_create, run_execute
from hailong.stats import Design, estimate_index
from tests.indices.conftest import TINY_ITEMS, add_responses, tiny_answers
from tests.indices.test_runs import counted

pytestmark = pytest.mark.django_db

BEFORE = date(2025, 6, 30)
AFTER = date(2025, 7, 1)
# Pre-2025 wards of Đà Nẵng: three merged into today's Phường Hải Châu (20242), one into Phường
# Thanh Khê (20209); Xã Hòa Liên (20296) was split in halves between 20195 and 20197.
OLD_WARDS = {"20227": "20242", "20230": "20242", "20236": "20242", "20206": "20209", "20296": None}


@pytest.fixture
def earlier(tiny_version, unit):
    campaign = campaign_create(
        code="tiny-2024",
        name={"vi": "Khảo sát nhỏ 2024"},
        year=2024,
        version=tiny_version,
        organiser=unit("48", on=BEFORE),
        starts_on=date(2024, 3, 1),
        ends_on=date(2024, 11, 30),
    )
    old = {code: unit(code, on=BEFORE) for code in OLD_WARDS}
    campaign_set_units(campaign=campaign, targets=dict.fromkeys(old.values(), 30))
    campaign_transition(campaign=campaign, to=CampaignStatus.OPEN)
    rng = np.random.default_rng(2024)
    for i, ward in enumerate(old.values()):
        add_responses(campaign, ward, tiny_answers(rng, 20 + 5 * i, 3.6 + 0.2 * i))
    return campaign, old


def test_successors_follow_merges_and_split_shares(earlier, unit):
    _campaign, old = earlier
    found = successors_on([u.pk for u in old.values()], AFTER)
    assert found[old["20227"].pk] == [(unit("20242").pk, 1.0)]
    assert sorted(found[old["20296"].pk]) == sorted([(unit("20195").pk, 0.5), (unit("20197").pk, 0.5)])
    assert successors_on([unit("20242").pk], AFTER) == {unit("20242").pk: [(unit("20242").pk, 1.0)]}


def test_recomputation_maps_responses_to_todays_units(earlier, unit):
    campaign, old = earlier
    official = run_execute(run=run_create(campaign=campaign, enqueue=False))
    mapped = run_execute(run=run_create(campaign=campaign, map_to=AFTER, enqueue=False))
    assert (official.official, mapped.official) == (True, False)
    assert mapped.parameters["map_to"] == "2025-07-01"
    overall = dict(
        EstimateValue.objects.filter(run=mapped, domain="unit", kind="item", code="overall").values_list(
            "unit__code", "n"
        )
    )
    sizes = {code: campaign.responses.filter(unit=ward).count() for code, ward in old.items()}
    assert overall == {
        "20242": sizes["20227"] + sizes["20230"] + sizes["20236"],
        "20209": sizes["20206"],
        "20195": sizes["20296"],
        "20197": sizes["20296"],
    }
    # A split unit's halves carry the same answers, so the same rates.
    half = {
        v.unit.code: (v.estimate, v.se)
        for v in EstimateValue.objects.filter(
            run=mapped, domain="unit", kind="overall", unit__code__in=["20195", "20197"]
        )
    }
    assert half["20195"] == half["20197"]
    # The shares add up to one, so the whole city is the same with or without the mapping.
    for run_a, run_b in [(official, mapped)]:
        a = EstimateValue.objects.get(run=run_a, domain="overall", kind="overall")
        b = EstimateValue.objects.get(run=run_b, domain="overall", kind="overall")
        assert (a.estimate, a.n) == pytest.approx((b.estimate, b.n)) and a.se == pytest.approx(b.se)
    assert official.inputs_fingerprint != mapped.inputs_fingerprint

    # Today's Hải Châu is the three old wards pooled, within the design stratified by the old wards.
    units, answers = counted(campaign)
    merged = np.isin(units, [old[c].pk for c in ("20227", "20230", "20236")]).astype(int)
    design = Design.build(weights=np.ones(len(units)), strata=units, lonely_psu="adjust")
    spec = method_from_version(campaign.version)
    direct = estimate_index(
        design,
        {i: [a.get(i) for a in answers] for i in TINY_ITEMS},
        spec.method,
        domains=1 - merged,
        n_domains=2,
    )
    hai_chau = EstimateValue.objects.get(run=mapped, domain="unit", unit=unit("20242"), kind="overall")
    assert hai_chau.estimate == pytest.approx(direct.figures.estimate[0, direct.column("overall")], abs=1e-12)
    assert hai_chau.se == pytest.approx(direct.figures.se[0, direct.column("overall")], abs=1e-12)


def test_change_since_the_earlier_year_uses_the_recomputation_on_todays_units(earlier, tiny_data, unit):
    campaign, _old = earlier
    run_execute(run=run_create(campaign=campaign, enqueue=False))
    mapped = run_execute(run=run_create(campaign=campaign, map_to=AFTER, enqueue=False))
    current = run_execute(run=run_create(campaign=tiny_data, enqueue=False))
    assert baseline_default(current) == mapped, "the official 2024 run has no unit of today"
    changes = {(c.unit_id, c.kind, c.code): c for c in run_compare(current, mapped)}
    change = changes[(unit("20242").pk, "overall", "")]
    assert change.difference == pytest.approx(change.current.estimate - change.baseline.estimate)
    assert change.se == pytest.approx(np.hypot(change.current.se, change.baseline.se))
    assert (None, "overall", "") in changes, "the whole city compares too"


def test_todays_analysts_recompute_the_old_citys_survey_and_see_the_label(client, make_user, earlier, unit):
    from hailong.accounts.roles import Role
    from hailong.indices.models import EstimationRun

    campaign, _old = earlier
    client.force_login(make_user(Role.ANALYST, unit("48")))  # today's Đà Nẵng, formed in 2025
    page = client.get(f"/results/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and 'name="map_to"' in page.content.decode()
    form = {"aggregation": "item_mean", "interval_method": "normal", "level": "0.95"}
    form.update(weighting="design", counted="approved", map_to="01/07/2025")
    response = client.post(f"/results/campaigns/{campaign.pk}/", form)
    run = EstimationRun.objects.get(campaign=campaign)
    assert response["Location"] == f"/results/runs/{run.pk}/" and not run.official
    run_execute(run=run)
    page = client.get(f"/results/runs/{run.pk}/").content.decode()
    assert "Tính lại, không chính thức" in page
    ward = client.get(f"/results/runs/{run.pk}/units/{unit('20242').pk}/").content.decode()
    assert "Tính lại, không chính thức" in ward
