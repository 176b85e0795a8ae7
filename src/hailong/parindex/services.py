"""Every write of the PAR INDEX: keyword-only, atomic, permission-checked, audited.

Workflow of one assessment (docs/parindex.md):
draft → (unit submits before the deadline) submitted → (appraisers accept/adjust with reasons;
preliminary result sent) appraised → (unit responds within the window) disputed → final.
Every change of points is kept in ``ScoreChange``.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.core.tabular import TableError, read_table
from hailong.parindex import scoring
from hailong.parindex.choices import KIND_TYPES, AssessmentStatus, ChangeStage, Method, SetStatus
from hailong.parindex.definition import (
    COLUMNS,
    METHOD_LABELS,
    DefinitionError,
    Row,
    check,
    format_config,
    format_penalties,
    rows_from_table,
)
from hailong.parindex.evidence import check_upload
from hailong.parindex.models import (
    AppraiserAssignment,
    Assessment,
    CriteriaSet,
    Criterion,
    Cycle,
    Evidence,
    Score,
    ScoreChange,
)
from hailong.parindex.selectors import assessment_totals, may_appraise, may_manage

# ---------------------------------------------------------------------------------------------------
# Criteria sets


@transaction.atomic
def criteria_set_create(
    *,
    rows: list[Row],
    name: str,
    year: int,
    unit_kind: str,
    source: str = "",
    survey_rule: dict | None = None,
    bands: list | None = None,
    notes: str = "",
) -> CriteriaSet:
    check(rows)
    version = (
        CriteriaSet.objects.filter(year=year, unit_kind=unit_kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    ) + 1
    criteria_set = CriteriaSet.objects.create(
        name=name,
        year=year,
        unit_kind=unit_kind,
        version=version,
        source=source,
        survey_rule=survey_rule or {"kind": "linear"},
        bands=bands or [list(b) for b in scoring.DEFAULT_BANDS],
        notes=notes,
    )
    by_code: dict[str, Criterion] = {}
    for order, row in enumerate(sorted(rows, key=lambda r: [int(x) for x in r.code.split(".")])):
        by_code[row.code] = Criterion.objects.create(
            criteria_set=criteria_set,
            parent=by_code.get(row.parent_code),
            code=row.code,
            name=row.name,
            level=row.level,
            order=order,
            max_points=row.max_points,
            method=row.method,
            config=row.config,
            evidence=row.evidence,
            penalties=row.penalties,
            survey_code=row.survey_code,
            unconfirmed=row.unconfirmed,
        )
    return criteria_set


def criteria_set_import(
    *, upload, filename: str, name: str, year: int, unit_kind: str, actor, request=None
) -> CriteriaSet:
    """Import a criteria set from an XLSX (or CSV); refuses the whole file, naming every bad row."""
    if not permissions.has_perm(actor, Perm.PAR_MANAGE):
        raise PermissionDenied(Perm.PAR_MANAGE)
    try:
        rows = rows_from_table(read_table(upload, filename=filename))
    except TableError as exc:
        raise DefinitionError([exc.message]) from exc
    criteria_set = criteria_set_create(rows=rows, name=name, year=year, unit_kind=unit_kind)
    audit_record(
        action=AuditAction.PAR_CRITERIA_IMPORTED,
        actor=actor,
        request=request,
        target=criteria_set,
        details={"file": filename, "criteria": len(rows)},
    )
    return criteria_set


def criteria_set_builtin(*, key: str, year: int) -> CriteriaSet:
    from hailong.parindex.builtin import BUILTIN

    name, kind, source, make = BUILTIN[key]
    return criteria_set_create(rows=make(), name=name, year=year, unit_kind=kind, source=source)


def criteria_set_xlsx(criteria_set: CriteriaSet) -> bytes:
    """The set in the import layout (one row per field / criterion / sub-criterion)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Bộ tiêu chí"
    headers = [h[:1].upper() + h[1:] for h in COLUMNS]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for c in criteria_set.criteria.all():
        sheet.append(
            [
                c.code,
                c.name,
                c.max_points,
                METHOD_LABELS.get(c.method, c.method),
                format_config(c.method, c.config),
                c.evidence,
                format_penalties(c.penalties),
                c.survey_code,
            ]
        )
    for letter, width in zip("ABCDEFGH", (10, 70, 12, 20, 20, 40, 30, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# Cycles


@transaction.atomic
def cycle_create(
    *,
    criteria_set: CriteriaSet,
    organiser,
    year: int,
    name: str,
    self_deadline: datetime,
    units,
    actor,
    response_days: int = 7,
    previous: Cycle | None = None,
) -> Cycle:
    if not permissions.has_perm(actor, Perm.PAR_MANAGE, organiser):
        raise PermissionDenied(Perm.PAR_MANAGE)
    allowed = KIND_TYPES[criteria_set.unit_kind]
    wrong = [u.name for u in units if u.type not in allowed]
    if wrong:
        raise ValidationError(
            _("These units are not of the kind this criteria set assesses: %(units)s"),
            params={"units": ", ".join(wrong)},
        )
    if criteria_set.status != SetStatus.PUBLISHED:
        criteria_set.status = SetStatus.PUBLISHED  # in use: never changes again
        criteria_set.save(update_fields=["status"])
    cycle = Cycle.objects.create(
        criteria_set=criteria_set,
        organiser=organiser,
        year=year,
        name=name,
        self_deadline=self_deadline,
        response_days=response_days,
        previous=previous,
    )
    leaves = [c for c in criteria_set.criteria.all() if not c.children.exists()]
    for unit in units:
        assessment = Assessment.objects.create(cycle=cycle, unit=unit)
        Score.objects.bulk_create([Score(assessment=assessment, criterion=c) for c in leaves])
    return cycle


@transaction.atomic
def appraiser_assign(
    *, cycle: Cycle, user, actor, unit=None, field: Criterion | None = None
) -> AppraiserAssignment:
    if not may_manage(actor, cycle):
        raise PermissionDenied(Perm.PAR_MANAGE)
    if unit is None and field is None:
        raise ValidationError(_("Assign an appraiser to a unit, a field, or both."))
    return AppraiserAssignment.objects.create(cycle=cycle, user=user, unit=unit, field=field)


# ---------------------------------------------------------------------------------------------------
# Self-assessment


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _locked_assessment(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("cycle", "unit").get(pk=assessment.pk)


def _may_self_assess(actor, assessment: Assessment) -> bool:
    return permissions.has_perm(actor, Perm.PAR_SELF_ASSESS, assessment.unit)


def _record(score: Score, *, stage: str, old, new, reason: str, actor) -> None:
    if old != new or reason:
        ScoreChange.objects.create(
            score=score, stage=stage, old_points=old, new_points=new, reason=reason, actor=actor
        )


@transaction.atomic
def score_self_set(
    *,
    score: Score,
    value: float | None,
    actor,
    explanation: str = "",
    penalties: list[str] | None = None,
    now: datetime | None = None,
) -> Score:
    assessment = _locked_assessment(score.assessment)
    if not _may_self_assess(actor, assessment):
        raise PermissionDenied(Perm.PAR_SELF_ASSESS)
    if assessment.status != AssessmentStatus.DRAFT:
        raise ValidationError(_("The self-assessment has been submitted and is locked."))
    if _now(now) > assessment.cycle.self_deadline:
        raise ValidationError(_("The self-assessment deadline has passed."))
    score = Score.objects.select_for_update().select_related("criterion").get(pk=score.pk)
    criterion = score.criterion
    if criterion.method == Method.SURVEY:
        raise ValidationError(_("Survey-scored criteria take their points from the survey, not the unit."))
    codes = {p["code"]: float(p["points"]) for p in criterion.penalties}
    applied = [c for c in (penalties or []) if c in codes]
    try:
        points = scoring.leaf_points(
            criterion.method,
            criterion.max_points,
            value,
            criterion.config,
            deductions=[codes[c] for c in applied],
        )
    except scoring.ScoringError as exc:
        raise ValidationError(str(exc)) from exc
    old = score.self_points
    score.self_value, score.self_points = value, points
    score.explanation, score.penalties = explanation.strip(), applied
    score.save(update_fields=["self_value", "self_points", "explanation", "penalties"])
    _record(score, stage=ChangeStage.SELF, old=old, new=points, reason="", actor=actor)
    return score


@transaction.atomic
def evidence_upload(*, assessment: Assessment, criterion: Criterion, upload, actor, request=None) -> Evidence:
    """Attach a file to a sub-criterion: while drafting, or with the response to the preliminary result."""
    assessment = _locked_assessment(assessment)
    if not _may_self_assess(actor, assessment):
        raise PermissionDenied(Perm.PAR_SELF_ASSESS)
    if assessment.status == AssessmentStatus.DRAFT:
        stage = ChangeStage.SELF
    elif assessment.status == AssessmentStatus.APPRAISED:
        stage = ChangeStage.RESPONSE
    else:
        raise ValidationError(_("Evidence cannot be added at this stage."))
    if criterion.criteria_set_id != assessment.cycle.criteria_set_id:
        raise ValidationError(_("This criterion is not in the assessment's criteria set."))
    content_type, size = check_upload(upload)
    evidence = Evidence(
        assessment=assessment,
        criterion=criterion,
        original_name=upload.name[:255],
        content_type=content_type,
        size=size,
        stage=stage,
        uploaded_by=actor,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    audit_record(
        action=AuditAction.PAR_EVIDENCE_UPLOADED,
        actor=actor,
        request=request,
        unit=assessment.unit,
        target=evidence,
        details={"criterion": criterion.code, "size": size, "type": content_type},
    )
    return evidence


@transaction.atomic
def assessment_submit(
    *, assessment: Assessment, actor, now: datetime | None = None, request=None
) -> Assessment:
    assessment = _locked_assessment(assessment)
    if not _may_self_assess(actor, assessment):
        raise PermissionDenied(Perm.PAR_SELF_ASSESS)
    if assessment.status != AssessmentStatus.DRAFT:
        raise ValidationError(_("The self-assessment has already been submitted."))
    when = _now(now)
    if when > assessment.cycle.self_deadline:
        raise ValidationError(_("The self-assessment deadline has passed."))
    missing = assessment.scores.exclude(criterion__method=Method.SURVEY).filter(self_points__isnull=True)
    if missing.exists():
        raise ValidationError(
            _("Score every criterion before submitting: %(codes)s"),
            params={"codes": ", ".join(missing.values_list("criterion__code", flat=True))},
        )
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, when
    assessment.save(update_fields=["status", "submitted_at"])
    audit_record(
        action=AuditAction.PAR_SUBMITTED,
        actor=actor,
        request=request,
        unit=assessment.unit,
        target=assessment,
        details={"total": assessment_totals(assessment).total},
    )
    return assessment


# ---------------------------------------------------------------------------------------------------
# Appraisal


def _check_points(points: float, criterion: Criterion) -> float:
    points = float(points)
    if not 0 <= points <= criterion.max_points:
        raise ValidationError(
            _("The points must be between 0 and %(max)s."), params={"max": f"{criterion.max_points:g}"}
        )
    return round(points, 2)


@transaction.atomic
def score_appraise(*, score: Score, points: float, reason: str, actor, request=None) -> Score:
    """Accept (same points) or adjust a sub-criterion's score; an adjustment needs a reason."""
    assessment = _locked_assessment(score.assessment)
    score = Score.objects.select_for_update().select_related("criterion").get(pk=score.pk)
    if not may_appraise(actor, assessment, score.criterion):
        raise PermissionDenied(Perm.PAR_APPRAISE)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted self-assessment is appraised."))
    if score.criterion.method == Method.SURVEY:
        raise ValidationError(_("Survey-scored criteria take their points from the survey."))
    points = _check_points(points, score.criterion)
    reason = (reason or "").strip()
    if points != score.self_points and not reason:
        raise ValidationError(_("Give the reason for changing the score."))
    old = score.points
    score.appraised_points, score.appraisal_reason = points, reason
    score.save(update_fields=["appraised_points", "appraisal_reason"])
    _record(score, stage=ChangeStage.APPRAISAL, old=old, new=points, reason=reason, actor=actor)
    if old != points:
        audit_record(
            action=AuditAction.PAR_SCORE_ADJUSTED,
            actor=actor,
            request=request,
            unit=assessment.unit,
            target=assessment,
            details={"criterion": score.criterion.code, "old": old, "new": points, "reason": reason},
        )
    return score


@transaction.atomic
def assessment_send_preliminary(
    *, assessment: Assessment, actor, now: datetime | None = None, request=None
) -> Assessment:
    """Send the appraised (preliminary) result to the unit; it may respond within the window."""
    assessment = _locked_assessment(assessment)
    if not (may_manage(actor, assessment.cycle) or may_appraise(actor, assessment)):
        raise PermissionDenied(Perm.PAR_APPRAISE)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted self-assessment can get a preliminary result."))
    when = _now(now)
    # Scores no appraiser touched are accepted as self-assessed.
    for score in assessment.scores.select_related("criterion").filter(appraised_points__isnull=True):
        if score.criterion.method != Method.SURVEY:
            score.appraised_points = score.self_points
            score.save(update_fields=["appraised_points"])
    assessment.status = AssessmentStatus.APPRAISED
    assessment.preliminary_at = when
    assessment.response_deadline = when + timedelta(days=assessment.cycle.response_days)
    assessment.save(update_fields=["status", "preliminary_at", "response_deadline"])
    audit_record(
        action=AuditAction.PAR_PRELIMINARY_SENT,
        actor=actor,
        request=request,
        unit=assessment.unit,
        target=assessment,
    )
    return assessment


@transaction.atomic
def assessment_respond(
    *, assessment: Assessment, responses: dict[int, str], actor, now: datetime | None = None, request=None
) -> Assessment:
    """The unit's response to the preliminary result: an explanation per disputed score."""
    assessment = _locked_assessment(assessment)
    if not _may_self_assess(actor, assessment):
        raise PermissionDenied(Perm.PAR_SELF_ASSESS)
    if assessment.status != AssessmentStatus.APPRAISED:
        raise ValidationError(_("There is no preliminary result to respond to."))
    when = _now(now)
    if when > assessment.response_deadline:
        raise ValidationError(_("The time to respond to the preliminary result has passed."))
    texts = {int(k): v.strip() for k, v in responses.items() if v and v.strip()}
    if not texts:
        raise ValidationError(_("Write a response for at least one score."))
    for score in assessment.scores.filter(pk__in=texts):
        score.response = texts[score.pk]
        score.save(update_fields=["response"])
        _record(
            score,
            stage=ChangeStage.RESPONSE,
            old=score.points,
            new=score.points,
            reason=score.response,
            actor=actor,
        )
    assessment.status, assessment.responded_at = AssessmentStatus.DISPUTED, when
    assessment.save(update_fields=["status", "responded_at"])
    audit_record(
        action=AuditAction.PAR_RESPONDED,
        actor=actor,
        request=request,
        unit=assessment.unit,
        target=assessment,
        details={"scores": sorted(texts)},
    )
    return assessment


@transaction.atomic
def score_decide(*, score: Score, points: float, reason: str, actor, request=None) -> Score:
    """The final decision on a disputed score (a reason always)."""
    assessment = _locked_assessment(score.assessment)
    score = Score.objects.select_for_update().select_related("criterion").get(pk=score.pk)
    if not (may_manage(actor, assessment.cycle) or may_appraise(actor, assessment, score.criterion)):
        raise PermissionDenied(Perm.PAR_APPRAISE)
    if assessment.status != AssessmentStatus.DISPUTED:
        raise ValidationError(_("Only a score the unit responded to is decided again."))
    points = _check_points(points, score.criterion)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the decision."))
    old = score.points
    score.final_points = points
    score.appraisal_reason = reason
    score.save(update_fields=["final_points", "appraisal_reason"])
    _record(score, stage=ChangeStage.FINAL, old=old, new=points, reason=reason, actor=actor)
    return score


@transaction.atomic
def assessment_finalise(
    *, assessment: Assessment, actor, now: datetime | None = None, request=None
) -> Assessment:
    """The final decision: after the unit responded, or once its window passed without a response."""
    assessment = _locked_assessment(assessment)
    if not may_manage(actor, assessment.cycle):
        raise PermissionDenied(Perm.PAR_MANAGE)
    when = _now(now)
    if assessment.status == AssessmentStatus.APPRAISED and when <= assessment.response_deadline:
        raise ValidationError(_("The unit may still respond to the preliminary result."))
    if assessment.status not in (AssessmentStatus.APPRAISED, AssessmentStatus.DISPUTED):
        raise ValidationError(_("Only an appraised assessment can be finalised."))
    for score in assessment.scores.select_related("criterion").filter(final_points__isnull=True):
        if score.criterion.method != Method.SURVEY:
            score.final_points = score.appraised_points
            score.save(update_fields=["final_points"])
    totals = assessment_totals(assessment)
    assessment.status, assessment.final_at = AssessmentStatus.FINAL, when
    assessment.total, assessment.index = totals.total, totals.index
    assessment.group = scoring.group(
        totals.index, assessment.cycle.criteria_set.bands or scoring.DEFAULT_BANDS
    )
    assessment.fields = totals.fields
    assessment.save(update_fields=["status", "final_at", "total", "index", "group", "fields"])
    audit_record(
        action=AuditAction.PAR_FINALISED,
        actor=actor,
        request=request,
        unit=assessment.unit,
        target=assessment,
        details={"total": totals.total, "index": totals.index, "group": assessment.group},
    )
    return assessment


# ---------------------------------------------------------------------------------------------------
# Survey points and publication


@transaction.atomic
def survey_points_apply(*, cycle: Cycle, run, actor) -> int:
    """Survey-scored sub-criteria take their points from a *published* estimation run.

    Each survey leaf reads the unit's figure in the run: the overall index when its ``survey_code``
    is empty, else the criterion (node) with that code; the criteria set's ``survey_rule`` converts
    the index (0–100) into points. A unit without a figure keeps no survey points (its index is
    then rescaled without the survey). Returns the number of scores set."""
    from hailong.indices.choices import DomainKind, FigureKind
    from hailong.indices.models import EstimateValue
    from hailong.indices.publication import live_publication

    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not may_manage(actor, cycle):
        raise PermissionDenied(Perm.PAR_MANAGE)
    publication = live_publication(run.campaign)
    if publication is None or publication.run_id != run.pk:
        raise ValidationError(_("Survey points come only from a published estimation run."))
    rule = cycle.criteria_set.survey_rule or {"kind": "linear"}
    values = EstimateValue.objects.filter(
        run=run, domain=DomainKind.UNIT, kind__in=[FigureKind.OVERALL, FigureKind.NODE]
    )
    figure = {(v.unit_id, "" if v.kind == FigureKind.OVERALL else v.code): v for v in values}
    changed = 0
    scores = Score.objects.filter(assessment__cycle=cycle, criterion__method=Method.SURVEY).select_related(
        "criterion", "assessment"
    )
    for score in scores:
        value = figure.get((score.assessment.unit_id, score.criterion.survey_code))
        estimate = None
        if value is not None and value.n >= publication.min_respondents:
            estimate = value.estimate
        points = scoring.survey_points(estimate, score.criterion.max_points, rule)
        if points != score.survey_points:
            _record(
                score,
                stage=ChangeStage.SURVEY,
                old=score.survey_points,
                new=points,
                reason=f"run #{run.pk}",
                actor=actor,
            )
            score.survey_points = points
            score.save(update_fields=["survey_points"])
            changed += 1
    cycle.survey_run = run
    cycle.save(update_fields=["survey_run"])
    # Final results already frozen follow the survey.
    for assessment in cycle.assessments.filter(status=AssessmentStatus.FINAL):
        totals = assessment_totals(assessment)
        assessment.total, assessment.index, assessment.fields = totals.total, totals.index, totals.fields
        assessment.group = scoring.group(totals.index, cycle.criteria_set.bands or scoring.DEFAULT_BANDS)
        assessment.save(update_fields=["total", "index", "fields", "group"])
    return changed


@transaction.atomic
def cycle_publish(*, cycle: Cycle, actor, now: datetime | None = None, request=None) -> Cycle:
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not may_manage(actor, cycle):
        raise PermissionDenied(Perm.PAR_MANAGE)
    pending = cycle.assessments.exclude(status=AssessmentStatus.FINAL)
    if pending.exists():
        raise ValidationError(
            _("Every assessment must be final before publication: %(units)s"),
            params={"units": ", ".join(pending.values_list("unit__name", flat=True))},
        )
    cycle.published_at, cycle.published_by = _now(now), actor
    cycle.save(update_fields=["published_at", "published_by"])
    audit_record(
        action=AuditAction.PAR_PUBLISHED, actor=actor, request=request, unit=cycle.organiser, target=cycle
    )
    return cycle
