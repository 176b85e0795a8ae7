"""A drawn sample for the fieldwork tests, built with ``hailong.stats.sampling`` and the ORM.

``build_sample(campaign, sizes)``: a frame of dossiers per unit (code → (N, n)), each with a contact
(name, phone, e-mail, address), stratified by unit, ``n`` drawn per stratum and ``reserve`` reserves
in order (``reserve_rank`` 1, 2, …), inclusion probabilities ``n/N``.
"""

from datetime import date

import numpy as np
import pytest
from django.utils import timezone

from hailong.sampling.models import Frame, FrameContact, FrameRecord, Sample, SampledPerson
from hailong.stats.sampling import stratified_srs
from hailong.units.models import Unit

REFORM = date(2025, 7, 1)
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Ngọc", "Phúc", "Quân"]


def build_sample(
    campaign, sizes: dict[str, tuple[int, int]], *, reserve: int = 3, seed: int = 2026
) -> Sample:
    frame = Frame.objects.create(campaign=campaign, name="Hồ sơ đã giải quyết", status="ready")
    records = []
    for code, (population, _n) in sizes.items():
        unit = Unit.objects.valid_on(REFORM).get(code=code)
        for i in range(population):
            records.append(
                FrameRecord(
                    frame=frame,
                    row_number=len(records) + 2,
                    dossier_code=f"HS-{code}-{i:03d}",
                    procedure="Chứng thực bản sao",
                    procedure_field="chung_thuc",
                    unit=unit,
                    applicant_type="citizen",
                )
            )
    FrameRecord.objects.bulk_create(records)
    records = list(FrameRecord.objects.filter(frame=frame).select_related("unit").order_by("row_number"))
    FrameContact.objects.bulk_create(
        [
            FrameContact(
                record=r,
                name=f"Nguyễn Văn {GIVEN[i % len(GIVEN)]} {i}",
                phone=f"0905{i:06d}",
                email=f"nguoi{i}@example.vn",
                address=f"{i} Lê Duẩn, {r.unit.name}",
            )
            for i, r in enumerate(records)
        ]
    )
    strata = np.array([r.unit.code for r in records])
    ids = np.array([r.pk for r in records])
    selection = stratified_srs(
        strata, {code: n for code, (_N, n) in sizes.items()}, seed=seed, reserve=reserve, ids=ids
    )
    sample = Sample.objects.create(
        campaign=campaign,
        frame=frame,
        name="Mẫu thử",
        strata_by=["unit"],
        seed=seed,
        reserve_per_stratum=reserve,
        status="drawn",
        drawn_at=timezone.now(),
    )
    people = [
        SampledPerson(
            sample=sample,
            record=records[row],
            unit=records[row].unit,
            stratum=str(stratum),
            probability=float(p),
        )
        for row, stratum, p in zip(selection.rows, selection.strata, selection.probabilities, strict=True)
    ]
    for stratum, rows in selection.reserve.items():
        population, n = sizes[str(stratum)]
        people += [
            SampledPerson(
                sample=sample,
                record=records[row],
                unit=records[row].unit,
                stratum=str(stratum),
                probability=n / population,
                is_reserve=True,
                reserve_rank=rank,
            )
            for rank, row in enumerate(rows, start=1)
        ]
    SampledPerson.objects.bulk_create(people)
    return sample


@pytest.fixture
def sample(open_campaign):
    """Hải Châu (20242): 12 dossiers, 4 drawn; 20209: 8 dossiers, 3 drawn; 3 reserves each."""
    return build_sample(open_campaign, {"20242": (12, 4), "20209": (8, 3)})


@pytest.fixture
def manager(make_user, unit):
    from hailong.accounts.roles import Role

    return make_user(Role.SURVEY_MANAGER, unit("48"), username="quanly.fw")


@pytest.fixture
def interviewer(make_user, unit):
    from hailong.accounts.roles import Role

    return make_user(Role.INTERVIEWER, unit("20242"), username="dtv.haichau")


def people_of(sample, unit_code: str | None = None, *, reserves: bool = False):
    people = SampledPerson.objects.filter(sample=sample, is_reserve=reserves).select_related(
        "unit", "sample", "record"
    )
    if unit_code:
        people = people.filter(unit__code=unit_code)
    return list(people.order_by("pk"))
