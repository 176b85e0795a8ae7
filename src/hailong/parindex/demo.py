"""The demo PAR INDEX: the demo criteria set and a 2026 cycle of Đà Nẵng's departments with units at
every stage (draft, submitted, appraised, disputed, final). Idempotent: nothing if the cycle exists.

Survey points come from the demo SIPAS campaign's published run when there is one (units without a
survey figure are rescaled to 100)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from hailong.parindex.choices import AssessmentStatus
from hailong.parindex.models import CriteriaSet, Cycle

DEMO_CYCLE_NAME = "Chỉ số CCHC các sở, ban, ngành thành phố Đà Nẵng năm 2026"
DEMO_YEAR = 2026
# Department code → the stage it is left at, and how well it did (values per sub-criterion).
GOOD = {"1.1.1": 1, "1.1.2": 100, "1.2.1": 30, "2.1.1": 2, "2.2.1": 100, "3.2.1": 9}
FAIR = {"1.1.1": 1, "1.1.2": 85, "1.2.1": 20, "2.1.1": 1, "2.2.1": 96, "3.2.1": 8}
WEAK = {"1.1.1": 0, "1.1.2": 60, "1.2.1": 10, "2.1.1": 1, "2.2.1": 91, "3.2.1": 6}
DEMO_STAGES = [
    ("48.SNV", AssessmentStatus.DRAFT, FAIR),
    ("48.STP", AssessmentStatus.SUBMITTED, GOOD),
    ("48.STC", AssessmentStatus.APPRAISED, FAIR),
    ("48.SCT", AssessmentStatus.DISPUTED, WEAK),
    ("48.SXD", AssessmentStatus.FINAL, GOOD),
    ("48.SYT", AssessmentStatus.FINAL, FAIR),
    ("48.SGDDT", AssessmentStatus.FINAL, WEAK),
]


def demo_par_seed() -> Cycle | None:
    from hailong.accounts.models import User
    from hailong.parindex import services
    from hailong.units.models import Unit
    from hailong.units.registry import REFORM_DATE

    existing = Cycle.objects.filter(name=DEMO_CYCLE_NAME).first()
    if existing is not None:
        return existing
    admin = User.objects.filter(username="admin").first()
    appraiser = User.objects.filter(username="thamdinh").first()
    if admin is None or appraiser is None:
        return None
    units = {
        u.code: u
        for u in Unit.objects.valid_on(REFORM_DATE).filter(code__in=[c for c, _s, _v in DEMO_STAGES])
    }
    if len(units) != len(DEMO_STAGES):
        return None
    city = Unit.objects.valid_on(REFORM_DATE).get(code="48")
    criteria_set = CriteriaSet.objects.filter(
        year=DEMO_YEAR, unit_kind="department", source="Mẫu trình diễn"
    ).first()
    if criteria_set is None:
        criteria_set = services.criteria_set_builtin(key="demo", year=DEMO_YEAR)
    deadline = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=30), time(17)))
    cycle = services.cycle_create(
        criteria_set=criteria_set,
        organiser=city,
        year=DEMO_YEAR,
        name=DEMO_CYCLE_NAME,
        self_deadline=deadline,
        units=[units[c] for c, _s, _v in DEMO_STAGES],
        actor=admin,
        response_days=7,
    )
    services.appraiser_assign(cycle=cycle, user=appraiser, unit=city, actor=admin)
    _survey(cycle, admin)
    for code, stage, values in DEMO_STAGES:
        a = cycle.assessments.get(unit=units[code])
        for score in a.scores.select_related("criterion"):
            if score.criterion.code in values and (
                stage != AssessmentStatus.DRAFT or score.criterion.code < "2"
            ):
                services.score_self_set(
                    score=score,
                    value=values[score.criterion.code],
                    actor=admin,
                    explanation="Số liệu minh họa",
                )
        if stage == AssessmentStatus.DRAFT:
            continue
        services.assessment_submit(assessment=a, actor=admin)
        if stage == AssessmentStatus.SUBMITTED:
            continue
        adjusted = a.scores.get(criterion__code="2.2.1")
        services.score_appraise(
            score=adjusted,
            points=max(0.0, (adjusted.self_points or 0) - 5),
            reason="Số liệu trên hệ thống giải quyết TTHC thấp hơn báo cáo (minh họa)",
            actor=appraiser,
        )
        services.assessment_send_preliminary(assessment=a, actor=appraiser)
        if stage == AssessmentStatus.APPRAISED:
            continue
        a.refresh_from_db()
        if stage == AssessmentStatus.DISPUTED:
            services.assessment_respond(
                assessment=a,
                responses={adjusted.pk: "Đơn vị gửi bổ sung số liệu đối chiếu (minh họa)"},
                actor=admin,
            )
            continue
        services.assessment_finalise(
            assessment=a, actor=admin, now=a.response_deadline + timedelta(seconds=1)
        )
    return cycle


def _survey(cycle: Cycle, admin) -> None:
    from hailong.indices.models import Publication

    publication = (
        Publication.objects.filter(withdrawn_at__isnull=True).select_related("run__campaign").first()
    )
    if publication is not None:
        from hailong.parindex.services import survey_points_apply

        survey_points_apply(cycle=cycle, run=publication.run, actor=admin)
