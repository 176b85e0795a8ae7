"""Small, constructed data for the indices tests.

``tiny`` is a questionnaire with two elements (E1: two criteria and an "in general" question; E2:
one criterion), a perception item, a harassment-style categorical item, a priority ranking, a
procedure field and the overall question. ``add_responses`` writes responses straight into the
table (validation is the collection module's business and is tested there).
"""

import uuid
from datetime import date

import numpy as np
import pytest

from hailong.campaigns.models import CampaignStatus
from hailong.campaigns.services import campaign_create, campaign_set_units, campaign_transition
from hailong.collection.models import Response
from hailong.methodology.choices import VersionSource
from hailong.methodology.services import questionnaire_create, version_create, version_publish
from hailong.units.services import unit_create
from tests.small_form import q, section


def _choices(*values):
    return [{"value": v, "label": {"vi": v, "en": v}, "extra": {}} for v in values]


def _criterion(code, level, parent=None):
    return {
        "code": code,
        "level": level,
        "name": {"vi": code},
        "parent": parent,
        "weight": "1",
        "wording": "default",
    }


def sat(name, criterion, measure="satisfaction", **extra):
    return q(name, "satisfaction", name, choice_list="hl5", criterion=criterion, measure=measure, **extra)


TINY_FORM = {
    "form_id": "tiny",
    "form_version": "",
    "title": {"vi": "Phiếu nhỏ", "en": "Tiny form"},
    "default_language": "vi",
    "languages": {"vi": "Vietnamese (vi)", "en": "English (en)"},
    "scoring": {
        "scale": {"valid": ["1", "2", "3", "4", "5"], "satisfied": ["4", "5"], "not_applicable": ["9"]},
        "aggregation": "item_mean",
        "available_aggregations": ["item_mean", "pooled", "respondent_mean", "overall_question"],
    },
    "settings": {},
    "notes": "",
    "criteria": [
        _criterion("E1", "element"),
        _criterion("E1.1", "criterion", "E1"),
        _criterion("E1.2", "criterion", "E1"),
        _criterion("E2", "element"),
        _criterion("E2.1", "criterion", "E2"),
        _criterion("E9", "element"),  # nothing measures it: left out of the method
    ],
    "choice_lists": {
        "hl5": _choices("1", "2", "3", "4", "5", "9"),
        "field": _choices("dat_dai", "ho_tich"),
        "harass": _choices("none", "some", "many"),
        "prio": _choices("e1", "e2", "e3"),
    },
    "items": [
        section(
            "s1",
            "Phần 1",
            [
                q("linh_vuc", "single", "Lĩnh vực", choice_list="field", measure="profile"),
                q("kenh", "single", "Kênh", choice_list="harass", measure="profile"),
                sat("p1", "E1", measure="perception"),
                sat("q11", "E1.1"),
                sat("q12", "E1.2"),
                sat("g1", "E1", measure="element_overall"),
                sat("q21", "E2.1"),
                q("phien_ha", "single", "Phiền hà", choice_list="harass", measure="perception"),
                q("uu_tien", "ranking", "Ưu tiên", choice_list="prio", measure="expectation"),
                q("kenh_y_kien", "multiple", "Kênh góp ý", choice_list="prio", measure="expectation"),
                sat("overall", None, measure="overall"),
            ],
        )
    ],
}

TINY_ITEMS = ["g1", "q11", "q12", "q21", "overall"]  # method.items(): a node's general item first


@pytest.fixture
def tiny_version(unit):
    questionnaire = questionnaire_create(code="tiny", title={"vi": "Phiếu nhỏ"}, owner=unit("48"))
    version = version_create(questionnaire=questionnaire, definition=TINY_FORM, source=VersionSource.MANUAL)
    return version_publish(version=version)


@pytest.fixture
def departments(unit):
    city = unit("48")
    return [
        unit_create(
            code=f"48.T{i}", name=f"Sở thử {i}", type="department", parent=city, valid_from=date(2025, 7, 1)
        )
        for i in range(1, 4)
    ]


@pytest.fixture
def wards(unit):
    return [unit(code) for code in ("20242", "20209", "20263")]


@pytest.fixture
def tiny_campaign(tiny_version, unit, departments, wards):
    campaign = campaign_create(
        code="tiny-2026",
        name={"vi": "Khảo sát nhỏ 2026", "en": "Tiny survey 2026"},
        year=2026,
        version=tiny_version,
        organiser=unit("48"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        default_target=20,
    )
    campaign_set_units(campaign=campaign, targets=dict.fromkeys([*departments, *wards]))
    campaign_transition(campaign=campaign, to=CampaignStatus.OPEN)
    return campaign


def add_responses(campaign, unit, answers_list, *, status="approved", prefix=None):
    prefix = prefix or f"t:{campaign.pk}:{unit.pk}:{uuid.uuid4().hex[:6]}"
    return Response.objects.bulk_create(
        Response(
            instance_id=f"{prefix}:{i}",
            campaign=campaign,
            version_id=campaign.version_id,
            unit=unit,
            channel="web",
            answers=answers,
            status=status,
        )
        for i, answers in enumerate(answers_list)
    )


def tiny_answers(rng: np.random.Generator, n: int, quality: float) -> list[dict]:
    """``n`` answer sets whose satisfaction codes centre on ``quality`` (1–5)."""
    rows = []
    for _ in range(n):
        mood = rng.normal(0, 0.6)

        def code(shift=0.0, mood=mood):
            return str(int(np.clip(round(quality + mood + shift + rng.normal(0, 0.7)), 1, 5)))

        answers = {
            "linh_vuc": str(rng.choice(["dat_dai", "ho_tich"], p=[0.6, 0.4])),
            "p1": code(),
            "q11": code(),
            "q12": code(0.3) if rng.random() > 0.1 else "9",
            "g1": code(),
            "q21": code(-0.3),
            "phien_ha": str(rng.choice(["none", "some", "many"], p=[0.8, 0.15, 0.05])),
            "uu_tien": list(rng.permutation(["e1", "e2", "e3"])),
            "kenh_y_kien": sorted(
                rng.choice(["e1", "e2", "e3"], size=int(rng.integers(1, 3)), replace=False)
            ),
            "overall": code(),
        }
        if rng.random() < 0.05:
            del answers["q21"]
        if rng.random() < 0.1:
            del answers["kenh_y_kien"]
        rows.append(answers)
    return rows


@pytest.fixture
def tiny_data(tiny_campaign, departments, wards):
    """Responses in every unit; department 3 is clearly worse than the others."""
    rng = np.random.default_rng(7)
    qualities = {departments[0]: 4.3, departments[1]: 4.0, departments[2]: 2.2}
    qualities.update({wards[0]: 4.1, wards[1]: 3.9, wards[2]: 3.8})
    for unit, quality in qualities.items():
        add_responses(tiny_campaign, unit, tiny_answers(rng, 40, quality))
    # Responses that must not count: not yet reviewed, rejected.
    add_responses(tiny_campaign, wards[0], tiny_answers(rng, 5, 1.0), status="submitted")
    add_responses(tiny_campaign, wards[0], tiny_answers(rng, 5, 1.0), status="rejected")
    return tiny_campaign
