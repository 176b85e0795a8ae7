"""Reads of the PAR INDEX, through the one permission check.

Who sees what:
- a unit (``par.self_assess`` on it) sees its own assessments, drafts, evidence and history;
- an appraiser (``par.appraise`` on the unit *and* an assignment in the cycle for the unit or a
  field) sees the assessments it is assigned, once submitted;
- the organiser (``par.manage`` on the cycle's organising unit) sees the whole cycle;
- nobody else sees anything before publication, and after it only the results (the portal).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.parindex import scoring
from hailong.parindex.choices import AssessmentStatus, Method
from hailong.parindex.models import (
    AppraiserAssignment,
    Assessment,
    CriteriaSet,
    Criterion,
    Cycle,
    Evidence,
    Score,
)


def may_manage(user, cycle: Cycle) -> bool:
    return permissions.has_perm(user, Perm.PAR_MANAGE, cycle.organiser)


def field_of(criterion: Criterion) -> Criterion:
    while criterion.parent_id is not None:
        criterion = criterion.parent
    return criterion


def _covers(assignment: AppraiserAssignment, unit) -> bool:
    return assignment.unit_id is None or unit.path.startswith(assignment.unit.path)


def may_appraise(user, assessment: Assessment, criterion: Criterion | None = None) -> bool:
    """Assigned to this unit (or a unit above it), or to the criterion's field, in this cycle, and
    holding ``par.appraise`` on the unit."""
    if not permissions.has_perm(user, Perm.PAR_APPRAISE, assessment.unit):
        return False
    assignments = [
        a
        for a in AppraiserAssignment.objects.filter(
            cycle_id=assessment.cycle_id, user_id=user.pk
        ).select_related("unit")
        if _covers(a, assessment.unit)
    ]
    if criterion is None:
        return bool(assignments)
    top = field_of(criterion)
    return any(a.field_id is None or a.field_id == top.pk for a in assignments)


def may_self_assess(user, assessment: Assessment) -> bool:
    return permissions.has_perm(user, Perm.PAR_SELF_ASSESS, assessment.unit)


def assessments_for(user) -> QuerySet[Assessment]:
    """Every assessment ``user`` may open."""
    base = Assessment.objects.select_related("cycle", "unit")
    own = permissions.scope(base, user, Perm.PAR_SELF_ASSESS, path_field="unit__path")
    managed = permissions.scope(base, user, Perm.PAR_MANAGE, path_field="cycle__organiser__path")
    assigned_ids = set()
    for a in AppraiserAssignment.objects.filter(user_id=user.pk).select_related("unit"):
        qs = Assessment.objects.filter(cycle_id=a.cycle_id).exclude(status=AssessmentStatus.DRAFT)
        if a.unit_id:
            qs = qs.filter(unit__path__startswith=a.unit.path)
        assigned_ids |= set(
            permissions.scope(qs, user, Perm.PAR_APPRAISE, path_field="unit__path").values_list(
                "pk", flat=True
            )
        )
    ids = set(own.values_list("pk", flat=True)) | set(managed.values_list("pk", flat=True)) | assigned_ids
    return base.filter(pk__in=ids).order_by("-cycle__year", "cycle__name", "unit__name")


def assessment_get_for(user, pk: int) -> Assessment:
    try:
        return assessments_for(user).get(pk=pk)
    except Assessment.DoesNotExist:
        raise Http404 from None


def cycles_for(user) -> QuerySet[Cycle]:
    return permissions.scope(
        Cycle.objects.select_related("criteria_set", "organiser"),
        user,
        Perm.PAR_MANAGE,
        path_field="organiser__path",
    )


def cycle_get_for(user, pk: int) -> Cycle:
    try:
        return cycles_for(user).get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404 from None


def evidence_get_for(user, pk: int) -> Evidence:
    """Evidence is served to its unit, the cycle's organiser and its assigned appraisers; never to other units."""
    evidence = (
        Evidence.objects.select_related("assessment__cycle__organiser", "assessment__unit", "criterion")
        .filter(pk=pk)
        .first()
    )
    if evidence is None:
        raise Http404
    a = evidence.assessment
    if may_self_assess(user, a) or may_manage(user, a.cycle):
        return evidence
    if a.status != AssessmentStatus.DRAFT and may_appraise(user, a, evidence.criterion):
        return evidence
    raise Http404


def criteria_sets() -> QuerySet[CriteriaSet]:
    return CriteriaSet.objects.all()


# ---------------------------------------------------------------------------------------------------
# Arithmetic over the database


def tree(criteria_set: CriteriaSet) -> tuple[list[scoring.Node], list[Criterion]]:
    criteria = list(criteria_set.criteria.all())
    nodes = {c.pk: scoring.Node(code=c.code, max_points=c.max_points, method=c.method) for c in criteria}
    roots = []
    for c in criteria:
        if c.parent_id is None:
            roots.append(nodes[c.pk])
        else:
            nodes[c.parent_id].children.append(nodes[c.pk])
    return roots, criteria


def assessment_totals(assessment: Assessment, *, stage: str = "current") -> scoring.Totals:
    """Totals from the points that count now (``current``) or from the unit's own scores (``self``)."""
    roots, _criteria = tree(assessment.cycle.criteria_set)
    values = {}
    for s in assessment.scores.select_related("criterion"):
        if stage == "self" and s.criterion.method != Method.SURVEY:
            values[s.criterion.code] = s.self_points
        else:
            values[s.criterion.code] = s.points
    return scoring.compute(roots, values)


@dataclass
class Line:
    criterion: Criterion
    score: Score | None
    points: float | None
    lost: float


def assessment_lines(assessment: Assessment) -> tuple[list[Line], scoring.Totals]:
    """Every criterion in order with its current points (capped) and the points lost."""
    totals = assessment_totals(assessment)
    scores = {s.criterion_id: s for s in assessment.scores.select_related("criterion")}
    lines = []
    for c in assessment.cycle.criteria_set.criteria.all():
        got = totals.points.get(c.code)
        top = totals.maxima.get(c.code, c.max_points)  # 0 for survey leaves left out (rescaled)
        lines.append(Line(criterion=c, score=scores.get(c.pk), points=got, lost=round(top - (got or 0), 2)))
    return lines, totals


def lost_points(assessment: Assessment) -> list[Line]:
    """The sub-criteria where the unit lost points, the biggest loss first, with the reasons."""
    lines, _totals = assessment_lines(assessment)
    leaves = [ln for ln in lines if ln.score is not None and ln.lost > 0]
    return sorted(leaves, key=lambda ln: (-ln.lost, ln.criterion.order))


@dataclass
class ResultRow:
    assessment: Assessment
    rank: int
    field_ranks: dict[str, int]
    change: float | None  # index points since the previous cycle


def cycle_results(cycle: Cycle) -> tuple[list[Criterion], list[ResultRow]]:
    """Final assessments ranked by index, with component indices, their ranks and change since last year."""
    fields = list(cycle.criteria_set.criteria.filter(parent__isnull=True))
    final = list(cycle.assessments.filter(status=AssessmentStatus.FINAL).select_related("unit"))
    ranks = scoring.competition_ranks({a.pk: a.index for a in final})
    field_ranks = {
        f.code: scoring.competition_ranks({a.pk: a.fields.get(f.code, 0.0) for a in final}) for f in fields
    }
    earlier: dict[int, float] = {}
    if cycle.previous_id:
        earlier = dict(
            Assessment.objects.filter(cycle_id=cycle.previous_id, status=AssessmentStatus.FINAL).values_list(
                "unit_id", "index"
            )
        )
    rows = [
        ResultRow(
            assessment=a,
            rank=ranks[a.pk],
            field_ranks={code: r[a.pk] for code, r in field_ranks.items()},
            change=round(a.index - earlier[a.unit_id], 2) if a.unit_id in earlier else None,
        )
        for a in final
    ]
    rows.sort(key=lambda r: (r.rank, r.assessment.unit.name))
    return fields, rows


def published_cycles() -> QuerySet[Cycle]:
    return Cycle.objects.filter(published_at__isnull=False).select_related("organiser", "criteria_set")


def published_cycle(pk: int) -> Cycle:
    cycle = published_cycles().filter(pk=pk).first()
    if cycle is None:
        raise Http404
    return cycle
