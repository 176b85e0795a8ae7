"""Reads of the sampling app: scoped lists and objects for a user, strata counts, frames as arrays.

Reading frames and samples needs ``surveys.manage`` on the campaign's organising unit, like writing
them; anything outside a user's scope answers 404. Contacts need ``personal_data.view`` too.
"""

from __future__ import annotations

import numpy as np
from django.db import connection
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign
from hailong.sampling.models import Frame, FrameRecord, Sample, SampledPerson
from hailong.sampling.plans import STRATUM_ORDER, FrameArrays, Stratum, stratum_key

FETCH = 50_000


def campaigns_for(*, user) -> QuerySet[Campaign]:
    return permissions.scope(
        Campaign.objects.select_related("organiser"), user, Perm.SURVEYS_MANAGE, path_field="organiser__path"
    )


def campaign_get_for(*, user, campaign_id: int) -> Campaign:
    return get_object_or_404(campaigns_for(user=user), pk=campaign_id)


def frame_get_for(*, user, frame_id: int) -> Frame:
    frames = permissions.scope(
        Frame.objects.select_related("campaign__organiser", "imported_by", "purged_by"),
        user,
        Perm.SURVEYS_MANAGE,
        path_field="campaign__organiser__path",
    )
    return get_object_or_404(frames, pk=frame_id)


def sample_get_for(*, user, sample_id: int) -> Sample:
    samples = permissions.scope(
        Sample.objects.select_related("campaign__organiser", "frame", "drawn_by"),
        user,
        Perm.SURVEYS_MANAGE,
        path_field="campaign__organiser__path",
    )
    return get_object_or_404(samples, pk=sample_id)


def may_see_contacts(user, campaign: Campaign) -> bool:
    return permissions.has_perm(user, Perm.PERSONAL_DATA_VIEW, campaign.organiser)


def frame_unit_counts(frame: Frame) -> list[dict]:
    """Records per handling unit, largest first."""
    return list(
        FrameRecord.objects.filter(frame=frame)
        .values("unit_id", "unit__code", "unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "unit__name")
    )


def _fields(strata_by: list[str]) -> list[str]:
    return [str(f) for f in STRATUM_ORDER if f in strata_by]


def _column(field: str) -> str:
    return "unit_id" if field == "unit" else field


def strata_counts(frame: Frame, strata_by: list[str]) -> list[Stratum]:
    """The strata of the frame for ``strata_by`` (any of unit, procedure field, applicant type), sorted
    by their values, with their number of records ``N_h``."""
    fields = _fields(strata_by)
    columns = [_column(f) for f in fields]
    queryset = FrameRecord.objects.filter(frame=frame)
    if columns:
        rows = list(queryset.values_list(*columns).annotate(n=Count("id")).order_by())
    else:
        rows = [(queryset.count(),)]
    rows = [row for row in rows if row[-1]]
    rows.sort(key=lambda row: tuple("" if v is None else v for v in row[:-1]))
    strata = []
    for row in rows:
        values = dict(zip(fields, row[:-1], strict=True))
        strata.append(
            Stratum(
                key=stratum_key(row[:-1]),
                unit_id=values.get("unit"),
                procedure_field=values.get("procedure_field"),
                applicant_type=values.get("applicant_type"),
                population=int(row[-1]),
            )
        )
    return strata


def frame_arrays(frame: Frame, strata: list[Stratum], strata_by: list[str], *, dates: bool) -> FrameArrays:
    """The frame's records as numpy columns, sorted by id, read in chunks of ``FETCH`` rows."""
    fields = _fields(strata_by)
    position = {}
    for h, stratum in enumerate(strata):
        values = {
            "unit": stratum.unit_id,
            "procedure_field": stratum.procedure_field,
            "applicant_type": stratum.applicant_type,
        }
        position[tuple(values[f] for f in fields)] = h
    total = sum(s.population for s in strata)
    ids = np.empty(total, dtype=np.int64)
    codes = np.empty(total, dtype=np.int64)
    units = np.empty(total, dtype=np.int64)
    received = np.full(total, -1, dtype=np.int64)
    table = connection.ops.quote_name(FrameRecord._meta.db_table)
    extra = [_column(f) for f in fields if f != "unit"]
    if dates:
        if connection.vendor == "postgresql":
            extra.append("COALESCE(received_on - DATE '1970-01-01', -1)")
        else:
            extra.append("COALESCE(CAST(julianday(received_on) - 2440587.5 AS INTEGER), -1)")
    select = ", ".join(["id", "unit_id", *extra])
    with_unit = "unit" in fields
    n_keys = len(fields)
    filled = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {table} WHERE frame_id = %s ORDER BY id", [frame.pk])  # noqa: S608 - table and column names come from the models
        while True:
            chunk = cursor.fetchmany(FETCH)
            if not chunk:
                break
            size = len(chunk)
            if filled + size > total:
                raise ValueError("The frame changed while it was read.")
            block = slice(filled, filled + size)
            ids[block] = [row[0] for row in chunk]
            units[block] = [row[1] for row in chunk]
            if dates:
                received[block] = [row[-1] for row in chunk]
            if n_keys == 0:
                codes[block] = 0
            elif with_unit:
                codes[block] = [position[(row[1], *row[2 : 1 + n_keys])] for row in chunk]
            else:
                codes[block] = [position[tuple(row[2 : 2 + n_keys])] for row in chunk]
            filled += size
    if filled != total:
        raise ValueError("The frame changed while it was read.")
    return FrameArrays(ids=ids, stratum=codes, unit=units, received=received)


def sample_people(sample: Sample, *, contacts: bool = False) -> QuerySet[SampledPerson]:
    people = SampledPerson.objects.filter(sample=sample).select_related("record", "unit")
    if contacts:
        people = people.select_related("record__contact")
    return people.order_by("stratum", "is_reserve", "reserve_rank", "record__row_number")


def sample_realised(sample: Sample) -> dict[str, dict[str, int]]:
    """Per stratum key: drawn people and reserves."""
    result: dict[str, dict[str, int]] = {}
    rows = (
        SampledPerson.objects.filter(sample=sample)
        .values_list("stratum", "is_reserve")
        .annotate(n=Count("id"))
        .order_by()
    )
    for stratum, is_reserve, n in rows:
        entry = result.setdefault(stratum, {"drawn": 0, "reserve": 0})
        entry["reserve" if is_reserve else "drawn"] += n
    return result


def allocation_rows(sample: Sample) -> list[dict]:
    """The sample's allocation table for display: each stratum with its unit and applicant-type
    labels, and (once drawn) the people and reserves actually drawn."""
    from hailong.sampling.choices import ApplicantType
    from hailong.units.models import Unit

    unit_ids = {row["unit"] for row in sample.allocation if row.get("unit")}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    realised = sample_realised(sample) if sample.is_drawn else {}
    rows = []
    for index, row in enumerate(sample.allocation):
        applicant = row.get("applicant_type")
        done = realised.get(row["stratum"], {"drawn": 0, "reserve": 0})
        rows.append(
            {
                **row,
                "index": index,
                "unit_obj": units.get(row.get("unit")),
                "applicant_label": ApplicantType(applicant).label
                if applicant in ApplicantType.values
                else "",
                "drawn": done["drawn"],
                "reserve": done["reserve"],
                "probability": _probability(row),
            }
        )
    return rows


def _probability(row: dict) -> float | None:
    """The inclusion probability of the stratum's people: ``n/N``, times the unit's first-stage
    probability in a two-stage sample (0 for a unit not selected)."""
    if not row["population"]:
        return None
    share = row["size"] / row["population"]
    if "selected" in row:
        return share * (row.get("unit_probability") or 0.0)
    return share
