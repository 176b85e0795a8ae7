"""Every write of the indices app: estimation runs, their frozen figures, population totals.

A run is created ``queued`` (``run_create``, which enqueues the task once the transaction commits)
and computed by ``run_execute`` (the task, or the demo seed directly): ``running`` with progress,
then ``done`` with its figures and fingerprint written in one transaction — or ``failed`` with the
reason. A done run is frozen: nothing here changes or deletes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from datetime import date

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.campaigns.models import Campaign
from hailong.collection.models import Channel
from hailong.core.bulk import bulk_insert_columns
from hailong.core.messages import bilingual, lazy_format
from hailong.core.tabular import Table
from hailong.indices.choices import (
    COUNTED_STATUSES,
    Counted,
    IntervalMethod,
    RunStatus,
    Weighting,
    ranking_group,
)
from hailong.indices.compute import Computed, EstimationError, Settings, compute
from hailong.indices.lineage import successors_on
from hailong.indices.loading import CHANNEL, Breakdown, LoadedResponses, load_responses
from hailong.indices.method import (
    available_aggregations,
    method_from_version,
    poststratum_question,
    single_choice_values,
)
from hailong.indices.models import ChoiceShareValue, EstimateValue, EstimationRun, PopulationTotal
from hailong.indices.weights import response_weights
from hailong.units.imports import ImportRejected, RowError
from hailong.units.models import Unit

logger = logging.getLogger(__name__)

LEVELS = (0.8, 0.9, 0.95, 0.99)
# The cuts of the whole campaign a dashboard filters by: channel, procedure field, applicant type.
DEFAULT_BREAKDOWNS = (CHANNEL, "linh_vuc", "doi_tuong")
FINGERPRINT_SCHEME = (
    "hailong-estimation-inputs/2 records(uuid S32, unit <i8, weight <f8, codes) by uuid; strata"
)


def _frozen() -> ValidationError:
    return ValidationError(_("A finished estimation run never changes; start a new run instead."))


# ---------------------------------------------------------------------------------------------------
# Creating and running


@transaction.atomic
def run_create(
    *,
    campaign: Campaign,
    actor=None,
    aggregation: str | None = None,
    interval_method: str = IntervalMethod.NORMAL,
    level: float = 0.95,
    weighting: str = Weighting.DESIGN,
    counted: str = Counted.APPROVED,
    map_to: date | None = None,
    breakdowns: list[str] | None = None,
    national: dict[str, float] | None = None,
    enqueue: bool = True,
) -> EstimationRun:
    """A queued run of ``campaign`` with these parameters; its task starts once this commits.

    ``map_to``: re-estimate on the units valid on that day, through unit lineage (a non-official
    run). ``breakdowns``: what the whole campaign is also cut by ("channel", single-choice question
    names); by default the channel, the procedure field and the applicant type
    (``DEFAULT_BREAKDOWNS``) where the questionnaire has them. ``national``: national averages the
    analyst types in (``"overall"``, a criterion code or a question name → a proportion 0–1), which
    the unit pages compare with. ``enqueue=False`` leaves starting it to the caller (``run_execute``).
    """
    version = campaign.version
    aggregation = aggregation or method_from_version(version).method.aggregation
    if aggregation not in available_aggregations(version):
        raise ValidationError(
            {
                "aggregation": lazy_format(
                    _("This questionnaire cannot be aggregated by “{a}”."), a=aggregation
                )
            }
        )
    if interval_method not in IntervalMethod.values:
        raise ValidationError({"interval_method": _("Unknown interval method.")})
    if not 0.5 <= float(level) < 1:
        raise ValidationError({"level": _("The confidence level must be between 50% and 100%.")})
    if weighting not in Weighting.values:
        raise ValidationError({"weighting": _("Unknown weighting.")})
    if counted not in Counted.values:
        raise ValidationError({"counted": _("Unknown choice of counted responses.")})
    question = None
    if weighting == Weighting.POSTSTRATIFIED:
        fields = set(PopulationTotal.objects.filter(campaign=campaign).values_list("field", flat=True))
        if not fields:
            raise ValidationError(
                {"weighting": _("Upload the completed dossiers per unit and procedure field first.")}
            )
        question = poststratum_question(version, fields)
        if question is None and any(fields):
            raise ValidationError(
                {"weighting": _("No single-choice question of the questionnaire has these procedure fields.")}
            )
    parameters = {
        "national": national_parameters(version, national),
        "breakdowns": breakdown_parameters(version, breakdowns),
        "aggregation": aggregation,
        "interval_method": interval_method,
        "level": float(level),
        "weighting": weighting,
        "counted": counted,
        "statuses": list(COUNTED_STATUSES[counted]),
        "poststratum_question": question,
        "map_to": map_to.isoformat() if map_to else None,
        "lonely_psu": "adjust",
        "design": "strata=unit, clusters=none (response), weights=response_weights",
    }
    run = EstimationRun.objects.create(
        campaign=campaign,
        version=version,
        parameters=parameters,
        official=map_to is None,
        created_by=actor,
    )
    audit_record(
        action=AuditAction.ESTIMATION_STARTED,
        actor=actor,
        unit=campaign.organiser,
        target=run,
        details={"campaign": campaign.code, "parameters": parameters},
    )
    if enqueue:
        from hailong.indices.tasks import estimation_run_task

        transaction.on_commit(lambda: estimation_run_task.enqueue(run.pk))
    return run


def national_parameters(version, national: dict[str, float] | None) -> dict[str, float]:
    """The national averages, checked: known codes, proportions between 0 and 1."""
    if not national:
        return {}
    method = method_from_version(version).method
    known = {"overall"} | {node.code for node in method.all_nodes()} | set(method.items())
    unknown = sorted(code for code in national if code not in known)
    if unknown:
        raise ValidationError(
            {
                "national": lazy_format(
                    _("Not a criterion or question of this questionnaire: {codes}"), codes=", ".join(unknown)
                )
            }
        )
    wrong = sorted(code for code, value in national.items() if not 0 <= float(value) <= 1)
    if wrong:
        raise ValidationError(
            {
                "national": lazy_format(
                    _("A national average must be between 0% and 100%: {codes}"), codes=", ".join(wrong)
                )
            }
        )
    return {code: float(value) for code, value in sorted(national.items())}


def breakdown_parameters(version, names: list[str] | None) -> list[list]:
    """``[[name, [categories…]], …]`` of the breakdowns asked for (or the default ones present)."""
    singles = single_choice_values(version)
    wanted = list(DEFAULT_BREAKDOWNS) if names is None else list(names)
    found = []
    for name in wanted:
        if name == CHANNEL:
            found.append([CHANNEL, list(Channel.values)])
        elif name in singles and singles[name]:
            found.append([name, list(singles[name])])
        elif names is not None:
            raise ValidationError(
                {"breakdowns": lazy_format(_("No single-choice question “{name}” to cut by."), name=name)}
            )
    return found


def _progress(run: EstimationRun, percent: int, stage: str, count: int | None = None) -> None:
    text = stage if count is None else f"{stage}:{count}"
    if not (run.progress_text or "").startswith(stage):
        began = getattr(run, "_began", None)
        if began is not None:
            logger.info("estimation run %s: %s at %.2f s", run.pk, stage, time.monotonic() - began)
    EstimationRun.objects.filter(pk=run.pk).update(progress=percent, progress_text=text)
    run.progress, run.progress_text = percent, text


def inputs_fingerprint(
    *,
    version_fingerprint: str,
    parameters: dict,
    loaded: LoadedResponses,
    weights: np.ndarray,
    mapping: dict | None,
    population: dict | None,
) -> str:
    """SHA-256 of what a run is computed from: every counted response (uuid, unit, weight and the
    answers the method reads, as coded; the post-stratum answer), sorted by uuid, the questionnaire
    version, the parameters, the lineage mapping and the population totals."""
    digest = hashlib.sha256()
    digest.update(f"{FINGERPRINT_SCHEME}\n{version_fingerprint}\n".encode())
    digest.update(json.dumps(parameters, sort_keys=True).encode())
    if mapping is not None:
        digest.update(
            json.dumps(sorted([u, list(map(list, found))] for u, found in mapping.items())).encode()
        )
    if population is not None:
        digest.update(json.dumps(sorted([u, f, c] for (u, f), c in population.items())).encode())
    # One fixed-width record per response, sorted by uuid, hashed at once (no string per row).
    width = len(loaded.row_codes[0]) if loaded.n else 0
    fields = [("uuid", "S32"), ("unit", "<i8"), ("weight", "<f8")]
    if width:
        fields.append(("codes", f"S{width}"))
    records = np.empty(loaded.n, dtype=fields)
    records["uuid"] = np.asarray(loaded.uuids, dtype="S32")
    records["unit"] = loaded.unit_ids
    records["weight"] = weights
    if width:
        records["codes"] = np.asarray(loaded.row_codes, dtype=f"S{width}")
    order = np.argsort(records["uuid"], kind="stable")
    digest.update(b"\n")
    digest.update(records[order].tobytes())
    if loaded.poststratum is not None:
        digest.update("\n".join(loaded.poststratum[i] for i in order.tolist()).encode())
    return digest.hexdigest()


def run_execute(*, run: EstimationRun) -> EstimationRun:
    """Compute a queued run and freeze it (``done``), or record why it failed (``failed``)."""
    claimed = EstimationRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), progress=1, progress_text="starting", error=""
    )
    if not claimed:
        run.refresh_from_db()
        raise (
            _frozen()
            if run.status == RunStatus.DONE
            else ValidationError(_("Only a queued estimation run can be started."))
        )
    run.refresh_from_db()
    began = run._began = time.monotonic()
    try:
        computed, fingerprint, n_responses = _compute(run)
        _progress(run, 90, "saving")
        with transaction.atomic():
            _store(run, computed)
            EstimationRun.objects.filter(pk=run.pk).update(
                status=RunStatus.DONE,
                progress=100,
                progress_text="done",
                inputs_fingerprint=fingerprint,
                n_responses=n_responses,
                n_units=computed.n_units,
                warnings=computed.warnings,
                finished_at=timezone.now(),
            )
    except (EstimationError, ValidationError) as exc:
        _fail(run, exc.message if isinstance(exc, EstimationError) else "; ".join(exc.messages))
    except Exception as exc:
        _fail(run, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        logger.info("estimation run %s finished in %.2f s", run.pk, time.monotonic() - began)
    run.refresh_from_db()
    return run


def _fail(run: EstimationRun, message) -> None:
    EstimationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, error=bilingual(message)[:5000], finished_at=timezone.now()
    )


def _compute(run: EstimationRun) -> tuple[Computed, str, int]:
    parameters = run.parameters
    version = run.version
    spec = method_from_version(version, aggregation=parameters["aggregation"])
    _progress(run, 5, "loading")
    breakdowns = [Breakdown(name, tuple(categories)) for name, categories in parameters.get("breakdowns", [])]
    weighting = parameters.get("weighting", Weighting.DESIGN)
    question = parameters.get("poststratum_question") if weighting == Weighting.POSTSTRATIFIED else None
    loaded = load_responses(
        campaign_id=run.campaign_id,
        version_id=version.pk,
        statuses=parameters["statuses"],
        spec=spec,
        poststratum_question=question,
        progress=lambda count: _progress(run, min(40, 5 + count // 25_000), "loading", count),
        breakdowns=breakdowns,
    )
    _progress(run, 45, "estimating", loaded.n)
    weights = response_weights(campaign=run.campaign, response_ids=loaded.response_ids)
    mapping = None
    if parameters.get("map_to"):
        mapping = successors_on(np.unique(loaded.unit_ids).tolist(), date.fromisoformat(parameters["map_to"]))
    population = None
    if weighting == Weighting.POSTSTRATIFIED:
        population = {
            (unit, field): count
            for unit, field, count in PopulationTotal.objects.filter(campaign_id=run.campaign_id).values_list(
                "unit_id", "field", "count"
            )
        }
    domain_units = set(loaded.unit_ids.tolist())
    if mapping is not None:
        domain_units |= {unit for found in mapping.values() for unit, _s in found}
    if population is not None:
        domain_units |= {unit for unit, _f in population}
    info = {
        pk: (unit_type, name)
        for pk, unit_type, name in Unit.objects.filter(pk__in=domain_units).values_list("pk", "type", "name")
    }
    computed = compute(
        loaded=loaded,
        spec=spec,
        weights=weights,
        unit_groups={pk: ranking_group(unit_type) for pk, (unit_type, _n) in info.items()},
        settings=Settings(
            level=float(parameters.get("level", 0.95)),
            interval_method=parameters.get("interval_method", IntervalMethod.NORMAL),
            poststratify=weighting == Weighting.POSTSTRATIFIED,
        ),
        mapping=mapping,
        population=population,
        poststratum_question=question,
        unit_names={pk: name for pk, (_t, name) in info.items()},
        breakdowns=breakdowns,
    )
    _progress(run, 85, "fingerprint")
    fingerprint = inputs_fingerprint(
        version_fingerprint=version.fingerprint,
        parameters=parameters,
        loaded=loaded,
        weights=weights,
        mapping=mapping,
        population=population,
    )
    return computed, fingerprint, loaded.n


def _store(run: EstimationRun, computed: Computed) -> None:
    # A run of a province's campaign writes ~10⁵ figures: COPY on PostgreSQL, column by column
    # (core.bulk).
    for model, blocks in ((EstimateValue, computed.value_blocks), (ChoiceShareValue, computed.share_blocks)):
        for block in blocks:
            bulk_insert_columns(model, {"run_id": run.pk, **block.columns()}, block.size)


@transaction.atomic
def run_delete(*, run: EstimationRun) -> None:
    """Remove a run that never finished (failed, or queued and not yet started). Done runs stay."""
    locked = EstimationRun.objects.select_for_update().get(pk=run.pk)
    if locked.status == RunStatus.DONE:
        raise _frozen()
    if locked.status == RunStatus.RUNNING:
        raise ValidationError(_("This run is being computed; wait until it ends."))
    locked.values.all().delete()
    locked.choice_shares.all().delete()
    locked.delete()


# ---------------------------------------------------------------------------------------------------
# Population totals (completed dossiers per unit and procedure field)

POPULATION_COLUMNS = ("unit_code", "field", "count")


def _count(value) -> int:
    """A whole number of dossiers: 1234, "1234", "1.234" or "1,234" (thousands grouped by 3)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        value = int(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        if not re.fullmatch(r"\d{1,3}([.,]\d{3})+|\d+", text):
            raise ValueError(value)
        value = int(re.sub(r"[.,]", "", text))
    if not isinstance(value, int) or value < 0:
        raise ValueError(value)
    return value


@transaction.atomic
def population_import(*, campaign: Campaign, table: Table, actor=None) -> list[PopulationTotal]:
    """Replace the campaign's population totals with a file's — all or nothing.

    Columns: ``unit_code`` (a participating unit), ``field`` (a procedure field code, an answer of the
    questionnaire's procedure-field question; empty for the whole unit), ``count`` (completed
    dossiers, a whole number ≥ 0). Every problem is reported with its row and column.
    """
    errors: list[RowError] = []
    missing = [c for c in POPULATION_COLUMNS if c not in table.columns]
    if missing:
        raise ImportRejected(
            table.filename,
            [
                RowError(
                    1,
                    None,
                    lazy_format(
                        _("Missing column(s): {columns}. Expected: {expected}."),
                        columns=", ".join(missing),
                        expected=", ".join(POPULATION_COLUMNS),
                    ),
                )
            ],
        )
    participants = {
        unit.code: unit for unit in Unit.objects.filter(pk__in=campaign.participants.values("unit_id"))
    }
    parsed: list[tuple[int, Unit | None, str, int | None]] = []
    for number, cells in table.rows:
        code = str(cells.get("unit_code") or "").strip()
        if isinstance(cells.get("unit_code"), float) and cells["unit_code"].is_integer():
            code = str(int(cells["unit_code"]))
        unit = participants.get(code)
        if unit is None:
            errors.append(
                RowError(
                    number,
                    table.column_label("unit_code"),
                    lazy_format(_("{code} is not a participating unit of this campaign."), code=code or "—"),
                )
            )
        field = str(cells.get("field") or "").strip()
        raw = cells.get("count")
        try:
            count = _count(raw)
        except (TypeError, ValueError):
            count = None
            errors.append(
                RowError(
                    number,
                    table.column_label("count"),
                    lazy_format(
                        _("“{value}” is not a whole number of dossiers."), value="" if raw is None else raw
                    ),
                )
            )
        parsed.append((number, unit, field, count))
    fields = {field for _n, _u, field, _c in parsed if field}
    question = poststratum_question(campaign.version, fields) if fields else None
    allowed = set(single_choice_values(campaign.version).get(question, [])) if question else set()
    seen: dict[tuple[int, str], int] = {}
    by_field: set[int] = set()
    for number, unit, field, _count_value in parsed:
        if field and field not in allowed:
            errors.append(
                RowError(
                    number,
                    table.column_label("field"),
                    lazy_format(
                        _("Unknown procedure field “{field}”. Use one of: {allowed}."),
                        field=field,
                        allowed=", ".join(sorted(allowed)) or "—",
                    ),
                )
            )
        if unit is None:
            continue
        if field:
            by_field.add(unit.pk)
        key = (unit.pk, field)
        if key in seen:
            errors.append(
                RowError(
                    number,
                    table.column_label("field"),
                    lazy_format(_("The same unit and field are already on row {row}."), row=seen[key]),
                )
            )
        else:
            seen[key] = number
    for number, unit, field, _count_value in parsed:
        if unit is not None and not field and unit.pk in by_field:
            errors.append(
                RowError(
                    number,
                    table.column_label("field"),
                    _(
                        "A unit has either one total for the whole unit (empty field) or one per field, not both."
                    ),
                )
            )
    if not parsed and not errors:
        errors.append(RowError(None, None, _("The file has no rows.")))
    if errors:
        raise ImportRejected(table.filename, errors)
    PopulationTotal.objects.filter(campaign=campaign).delete()
    return PopulationTotal.objects.bulk_create(
        PopulationTotal(campaign=campaign, unit=unit, field=field, count=count, uploaded_by=actor)
        for _n, unit, field, count in parsed
    )
