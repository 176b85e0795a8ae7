"""Self-assessment → submit/lock → appraisal with reasons → preliminary → response window → final,
with deadlines, history and who may see what."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone, translation

from hailong.audit.models import AuditAction, AuditEvent
from hailong.parindex import selectors, services
from hailong.parindex.choices import AssessmentStatus, ChangeStage
from hailong.parindex.models import ScoreChange
from tests.parindex.conftest import fill

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages matched below are the English msgids."""
    translation.activate("en")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _assessment(cycle, unit):
    return cycle.assessments.get(unit=unit)


def _score(assessment, code):
    return assessment.scores.select_related("criterion").get(criterion__code=code)


def test_self_scores_follow_the_method_and_the_draft_total_is_live(cycle, departments, par_people):
    a = _assessment(cycle, departments[0])
    officer = par_people["officer"]
    services.score_self_set(score=_score(a, "2.1.1"), value=1, actor=officer)
    assert _score(a, "2.1.1").self_points == 7.5
    assert selectors.assessment_totals(a).total == 7.5
    services.score_self_set(score=_score(a, "1.1.1"), value=1, actor=officer, penalties=["p1"])
    assert _score(a, "1.1.1").self_points == 3
    assert selectors.assessment_totals(a).total == 10.5
    with pytest.raises(ValidationError):
        services.score_self_set(score=_score(a, "3.1.1"), value=30, actor=officer)  # survey-scored


def test_a_unit_never_scores_or_sees_another_unit(cycle, departments, par_people):
    a = _assessment(cycle, departments[0])
    other = par_people["other_officer"]
    with pytest.raises(PermissionDenied):
        services.score_self_set(score=_score(a, "2.1.1"), value=1, actor=other)
    with pytest.raises(Http404):
        selectors.assessment_get_for(other, a.pk)
    assert list(selectors.assessments_for(other)) == [_assessment(cycle, departments[1])]


def test_submit_locks_and_the_deadline_holds(cycle, departments, par_people):
    a = _assessment(cycle, departments[0])
    officer = par_people["officer"]
    with pytest.raises(ValidationError, match="Score every criterion"):
        services.assessment_submit(assessment=a, actor=officer)
    fill(a, officer)
    late = cycle.self_deadline + timedelta(minutes=1)
    with pytest.raises(ValidationError, match="deadline"):
        services.assessment_submit(assessment=a, actor=officer, now=late)
    with pytest.raises(ValidationError, match="deadline"):
        services.score_self_set(score=_score(a, "2.1.1"), value=0, actor=officer, now=late)
    services.assessment_submit(assessment=a, actor=officer)
    a.refresh_from_db()
    assert a.status == AssessmentStatus.SUBMITTED
    with pytest.raises(ValidationError, match="locked"):
        services.score_self_set(score=_score(a, "2.1.1"), value=0, actor=officer)
    assert AuditEvent.objects.filter(action=AuditAction.PAR_SUBMITTED, target_id=str(a.pk)).exists()


def test_evidence_is_checked_by_content_and_served_only_to_those_entitled(cycle, departments, par_people):
    a = _assessment(cycle, departments[0])
    officer = par_people["officer"]
    criterion = _score(a, "1.1.1").criterion
    fake = SimpleUploadedFile("ke-hoach.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="Only PDF"):
        services.evidence_upload(assessment=a, criterion=criterion, upload=fake, actor=officer)
    evidence = services.evidence_upload(
        assessment=a, criterion=criterion, upload=SimpleUploadedFile("ke-hoach.pdf", PDF), actor=officer
    )
    assert evidence.content_type == "application/pdf"
    assert "ke-hoach" not in evidence.file.name  # stored under a random name
    assert evidence.file.read() == PDF
    assert selectors.evidence_get_for(officer, evidence.pk) == evidence
    assert selectors.evidence_get_for(par_people["manager"], evidence.pk) == evidence
    for outsider in (par_people["other_officer"], par_people["idle_appraiser"], par_people["appraiser"]):
        # The assigned appraiser too: a draft is the unit's own until submitted.
        with pytest.raises(Http404):
            selectors.evidence_get_for(outsider, evidence.pk)
    with pytest.raises(PermissionDenied):
        services.evidence_upload(
            assessment=a,
            criterion=criterion,
            upload=SimpleUploadedFile("x.pdf", PDF),
            actor=par_people["other_officer"],
        )


def test_evidence_size_limit(cycle, departments, par_people, settings):
    settings.HAILONG_PAR_EVIDENCE_MAX_BYTES = 1024
    a = _assessment(cycle, departments[0])
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)
    with pytest.raises(ValidationError, match="larger"):
        services.evidence_upload(
            assessment=a, criterion=_score(a, "1.1.1").criterion, upload=big, actor=par_people["officer"]
        )


def _submitted(cycle, dept, officer):
    a = _assessment(cycle, dept)
    fill(a, officer)
    return services.assessment_submit(assessment=a, actor=officer)


def test_appraisers_only_their_assignments_and_a_reason_for_each_change(cycle, departments, par_people):
    a = _submitted(cycle, departments[0], par_people["officer"])
    appraiser, idle = par_people["appraiser"], par_people["idle_appraiser"]
    assert a in selectors.assessments_for(appraiser)
    assert a not in selectors.assessments_for(idle)
    with pytest.raises(PermissionDenied):
        services.score_appraise(score=_score(a, "2.2.1"), points=15, reason="Số liệu chưa khớp", actor=idle)
    with pytest.raises(ValidationError, match="reason"):
        services.score_appraise(score=_score(a, "2.2.1"), points=15, reason="  ", actor=appraiser)
    with pytest.raises(ValidationError, match="between 0 and 25"):
        services.score_appraise(score=_score(a, "2.2.1"), points=26, reason="x", actor=appraiser)
    services.score_appraise(
        score=_score(a, "2.2.1"), points=15, reason="Tỷ lệ đúng hạn thực tế 92%", actor=appraiser
    )
    services.score_appraise(score=_score(a, "1.1.1"), points=4, reason="", actor=appraiser)  # accepted as is
    assert selectors.assessment_totals(a).total == 63 - 5


def test_an_appraiser_assigned_to_a_field_appraises_only_that_field(
    cycle, departments, par_people, make_user, unit
):
    from hailong.accounts.roles import Role

    field_appraiser = make_user(Role.APPRAISER, unit("48"))
    field_2 = cycle.criteria_set.criteria.get(code="2")
    services.appraiser_assign(cycle=cycle, user=field_appraiser, field=field_2, actor=par_people["manager"])
    a = _submitted(cycle, departments[0], par_people["officer"])
    services.score_appraise(
        score=_score(a, "2.1.1"), points=7.5, reason="Công khai chưa đầy đủ", actor=field_appraiser
    )
    with pytest.raises(PermissionDenied):
        services.score_appraise(score=_score(a, "1.1.1"), points=0, reason="x", actor=field_appraiser)


def test_the_whole_workflow_keeps_every_change(cycle, departments, par_people):
    officer, appraiser, manager = par_people["officer"], par_people["appraiser"], par_people["manager"]
    a = _submitted(cycle, departments[0], officer)
    score = _score(a, "2.2.1")
    services.score_appraise(score=score, points=15, reason="Tỷ lệ đúng hạn thực tế 92%", actor=appraiser)
    t0 = timezone.now()
    services.assessment_send_preliminary(assessment=a, actor=appraiser, now=t0)
    a.refresh_from_db()
    assert a.status == AssessmentStatus.APPRAISED
    assert a.response_deadline == t0 + timedelta(days=cycle.response_days)
    # The unit sees the adjustment and responds with an explanation and extra evidence.
    lost = selectors.lost_points(a)
    assert [(x.criterion.code, x.lost) for x in lost][:2] == [("2.2.1", 10), ("3.2.1", 2)]
    assert lost[0].score.appraisal_reason == "Tỷ lệ đúng hạn thực tế 92%"
    with pytest.raises(ValidationError, match="still respond"):
        services.assessment_finalise(assessment=a, actor=manager, now=t0 + timedelta(days=1))
    with pytest.raises(ValidationError, match="passed"):
        services.assessment_respond(
            assessment=a,
            responses={score.pk: "x"},
            actor=officer,
            now=a.response_deadline + timedelta(seconds=1),
        )
    extra = services.evidence_upload(
        assessment=a, criterion=score.criterion, upload=SimpleUploadedFile("so-lieu.pdf", PDF), actor=officer
    )
    assert extra.stage == ChangeStage.RESPONSE
    services.assessment_respond(
        assessment=a,
        responses={score.pk: "Số liệu hệ thống: 96% đúng hạn"},
        actor=officer,
        now=t0 + timedelta(days=2),
    )
    with pytest.raises(ValidationError, match="reason"):
        services.score_decide(score=score, points=20, reason="", actor=appraiser)
    services.score_decide(score=score, points=20, reason="Chấp nhận số liệu bổ sung", actor=appraiser)
    services.assessment_finalise(assessment=a, actor=manager, now=t0 + timedelta(days=3))
    a.refresh_from_db()
    assert a.status == AssessmentStatus.FINAL
    # Survey absent: 63 of 70 points → rescaled index 90 → group A.
    assert (a.total, a.index, a.group) == (63, 90, "A")
    history = [
        (c.stage, c.old_points, c.new_points)
        for c in ScoreChange.objects.filter(score=score).order_by("created_at", "id")
    ]
    assert history == [
        (ChangeStage.SELF, None, 20.0),
        (ChangeStage.APPRAISAL, 20.0, 15.0),
        (ChangeStage.RESPONSE, 15.0, 15.0),
        (ChangeStage.FINAL, 15.0, 20.0),
    ]


def test_finalise_after_the_window_passes_without_a_response(cycle, departments, par_people):
    a = _submitted(cycle, departments[0], par_people["officer"])
    t0 = timezone.now()
    services.assessment_send_preliminary(assessment=a, actor=par_people["appraiser"], now=t0)
    a.refresh_from_db()
    services.assessment_finalise(
        assessment=a, actor=par_people["manager"], now=a.response_deadline + timedelta(seconds=1)
    )
    a.refresh_from_db()
    assert a.status == AssessmentStatus.FINAL
    assert a.scores.get(criterion__code="2.2.1").final_points == 20
