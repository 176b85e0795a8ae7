"""Computing and storing flags, the review decisions and their audit trail, what counts in indices."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils.translation import override

from hailong.accounts.roles import Role
from hailong.audit.models import AuditEvent
from hailong.collection.models import Invitation, InvitationContact, Response, ResponseContact
from hailong.indices.choices import Counted
from hailong.indices.models import EstimateValue
from hailong.indices.services import run_create, run_execute
from hailong.quality.choices import ComputeState, Decision, FlagKind, Severity
from hailong.quality.models import QualityFlag, QualitySettings, ReviewDecision
from hailong.quality.selectors import unflagged_waiting
from hailong.quality.services import (
    approve_unflagged,
    flags_compute,
    flags_refresh,
    quality_settings_get,
    quality_settings_update,
    review_decide,
    review_decide_batch,
)
from hailong.sampling.models import Frame, FrameRecord, Sample, SampledPerson
from tests.quality.conftest import SAT_ITEMS, add, add_many, answers, moment

pytestmark = pytest.mark.django_db


def kinds(response) -> set[str]:
    return set(QualityFlag.objects.filter(response=response).values_list("kind", flat=True))


@pytest.fixture
def manager(make_user, unit):
    return make_user(Role.SURVEY_MANAGER, unit("48"))


# ---------------------------------------------------------------------------------------------------
# Each check on a hand-built campaign


def test_settings_are_created_with_the_documented_defaults(qc_campaign):
    settings = quality_settings_get(campaign=qc_campaign)
    assert settings.enabled_kinds == list(FlagKind.values)
    assert settings.speeder_ratio == pytest.approx(1 / 3) and settings.speeder_min_responses == 20
    assert settings.straight_min_items == 10 and settings.period_grace_days == 0
    assert (settings.interviewer_z, settings.interviewer_min_interviewers) == (3.5, 5)
    assert (settings.interviewer_min_responses, settings.interviewer_p_value) == (10, 0.001)
    assert [rule["code"] for rule in settings.profile_rules][:2] == ["retired_18_25", "student_over_60"]
    assert quality_settings_get(campaign=qc_campaign).pk == settings.pk


def test_duplicate_dossiers_through_the_sample_and_through_the_answers(qc_campaign, wards):
    frame = Frame.objects.create(campaign=qc_campaign, name="Hồ sơ quý III")
    records = [
        FrameRecord.objects.create(
            frame=frame, row_number=i + 2, dossier_code=code, unit=wards[0], applicant_type="citizen"
        )
        for i, code in enumerate(["HS-001", "HS-002"])
    ]
    first = Sample.objects.create(campaign=qc_campaign, frame=frame, name="Mẫu 1", seed=1)
    second = Sample.objects.create(campaign=qc_campaign, frame=frame, name="Mẫu 2", seed=2)
    a, b, c, d, e = (add(qc_campaign, wards[0]) for _ in range(5))
    for sample, record, response in ((first, records[0], a), (second, records[0], b), (first, records[1], c)):
        SampledPerson.objects.create(
            sample=sample, record=record, unit=wards[0], stratum="x", probability=0.5, response=response
        )
    # The questionnaire's dossier-code question, written another way, joins the same group.
    Response.objects.filter(pk=d.pk).update(answers=answers(ma_ho_so=" hs-001"))
    Response.objects.filter(pk=e.pk).update(answers=answers(ma_ho_so="HS-999"))
    flags_compute(campaign=qc_campaign)
    flag = QualityFlag.objects.get(response=a, kind=FlagKind.DUPLICATE_DOSSIER)
    assert flag.detail == {"dossier_codes": ["HS-001"], "others": [b.pk, d.pk]}
    assert flag.severity == Severity.HIGH and flag.campaign == qc_campaign
    assert flag.explanation == {
        "vi": "Hồ sơ HS-001 có trên 3 phiếu trả lời.",
        "en": "Dossier HS-001 appears on 3 responses.",
    }
    assert FlagKind.DUPLICATE_DOSSIER in kinds(d)
    assert FlagKind.DUPLICATE_DOSSIER not in kinds(c) | kinds(e)
    # Naming another question in the settings: ma_ho_so is no longer read.
    quality_settings_update(campaign=qc_campaign, actor=None, dossier_question="so_bien_nhan")
    flags_compute(campaign=qc_campaign)
    assert FlagKind.DUPLICATE_DOSSIER not in kinds(d)
    assert QualityFlag.objects.get(response=a, kind=FlagKind.DUPLICATE_DOSSIER).detail["others"] == [b.pk]


def test_duplicate_phones_from_the_respondents_contact_and_the_invitation(qc_campaign, wards):
    a, b, c, d = (add(qc_campaign, wards[0]) for _ in range(4))
    ResponseContact.objects.create(response=a, name="An", phone="0905 123 456")
    ResponseContact.objects.create(response=b, name="Bình", phone="+84 905-123-456")
    ResponseContact.objects.create(response=c, name="Châu", phone="0905 999 999")
    invitation = Invitation.objects.create(campaign=qc_campaign, unit=wards[0])
    InvitationContact.objects.create(invitation=invitation, name="Dũng", phone="84905123456")
    Response.objects.filter(pk=d.pk).update(invitation=invitation)
    flags_compute(campaign=qc_campaign)
    assert QualityFlag.objects.get(response=a, kind=FlagKind.DUPLICATE_PHONE).detail == {
        "others": [b.pk, d.pk]
    }
    assert FlagKind.DUPLICATE_PHONE in kinds(d) and FlagKind.DUPLICATE_PHONE not in kinds(c)
    stored = QualityFlag.objects.get(response=a, kind=FlagKind.DUPLICATE_PHONE)
    assert "905" not in str(stored.explanation) + str(stored.detail), "the number is personal data"


def test_speeders_against_the_campaign_median(qc_campaign, wards):
    add_many(qc_campaign, wards[0], 20, minutes=12)  # 12–16 minutes: median 14
    fast = add(qc_campaign, wards[1], minutes=3)
    paper = add(qc_campaign, wards[1], minutes=1, channel="paper")
    flags_compute(campaign=qc_campaign)
    assert QualityFlag.objects.filter(kind=FlagKind.SPEEDER).count() == 1
    flag = QualityFlag.objects.get(response=fast, kind=FlagKind.SPEEDER)
    assert flag.detail["median_seconds"] == 14 * 60 and flag.detail["timed_responses"] == 21
    assert (
        flag.explanation["vi"]
        == "Trả lời trong 3,0 phút; trung vị của đợt khảo sát là 14,0 phút (ngưỡng 4,7 phút)."
    )
    assert not kinds(paper) & {FlagKind.SPEEDER}
    # Thresholds from the settings: a stricter ratio, then too few responses for a median.
    quality_settings_update(campaign=qc_campaign, actor=None, speeder_ratio=0.2)
    flags_compute(campaign=qc_campaign)
    assert FlagKind.SPEEDER not in kinds(fast)
    quality_settings_update(campaign=qc_campaign, actor=None, speeder_ratio=0.5, speeder_min_responses=30)
    flags_compute(campaign=qc_campaign)
    assert FlagKind.SPEEDER not in kinds(fast)


def test_straight_lining_uses_the_versions_satisfaction_scale_questions(qc_campaign, wards):
    liner = add(qc_campaign, wards[0], answers(["5"], p1="5", chung="5"))
    # The twelve items identical but the perception and overall items differ: not straight-lining.
    varied = add(qc_campaign, wards[0], answers(["5"], p1="3", chung="4"))
    # Ten "3", the rest "not applicable": still ten identical answers.
    partial = add(
        qc_campaign,
        wards[0],
        {**answers(["3"], p1="3", chung="3"), "s1": "9", "s2": "9", "s3": "9", "s4": "9"},
    )
    flags_compute(campaign=qc_campaign)
    flag = QualityFlag.objects.get(response=liner, kind=FlagKind.STRAIGHT_LINING)
    assert flag.detail == {"value": "5", "answers": 14, "min_items": 10}
    assert flag.explanation["en"] == "All 14 satisfaction-scale answers are “5”."
    assert FlagKind.STRAIGHT_LINING not in kinds(varied)
    assert FlagKind.STRAIGHT_LINING in kinds(partial)
    quality_settings_update(campaign=qc_campaign, actor=None, straight_min_items=11)
    flags_compute(campaign=qc_campaign)
    assert FlagKind.STRAIGHT_LINING in kinds(liner) and FlagKind.STRAIGHT_LINING not in kinds(partial)


def test_answers_outside_the_period_in_local_time(qc_campaign, wards):
    inside = add(qc_campaign, wards[0], at=moment(day=1, month=9, hour=0))  # 00:00 in Hà Nội, 1 Sept
    before = add(qc_campaign, wards[0], at=moment(day=31, month=8, hour=23))
    after = add(qc_campaign, wards[0], at=moment(day=1, month=12, hour=8))
    untimed = add(qc_campaign, wards[0], at=moment(day=3, month=12), minutes=None, completed_at=None)
    flags_compute(campaign=qc_campaign)
    assert FlagKind.OUT_OF_PERIOD not in kinds(inside)
    assert QualityFlag.objects.get(response=before, kind=FlagKind.OUT_OF_PERIOD).explanation["vi"] == (
        "Hoàn thành ngày 31/08/2026, trước khi đợt thu thập bắt đầu ngày 01/09/2026."
    )
    assert QualityFlag.objects.get(response=after, kind=FlagKind.OUT_OF_PERIOD).detail["days_outside"] == 1
    assert (
        QualityFlag.objects.get(response=untimed, kind=FlagKind.OUT_OF_PERIOD).detail["timestamp"]
        == "received_at"
    )
    quality_settings_update(campaign=qc_campaign, actor=None, period_grace_days=1)
    flags_compute(campaign=qc_campaign)
    assert FlagKind.OUT_OF_PERIOD not in kinds(before) | kinds(after)
    assert FlagKind.OUT_OF_PERIOD in kinds(untimed)


def test_impossible_profiles_come_from_editable_rules(qc_campaign, wards):
    retired = add(qc_campaign, wards[0], answers(nghe_nghiep="huu_tri", nhom_tuoi="18_25"))
    student = add(qc_campaign, wards[0], answers(nghe_nghiep="hoc_sinh_sinh_vien", nhom_tuoi="tren_60"))
    normal = add(qc_campaign, wards[0], answers(nghe_nghiep="huu_tri", nhom_tuoi="tren_60"))
    flags_compute(campaign=qc_campaign)
    assert QualityFlag.objects.get(response=retired, kind=FlagKind.IMPOSSIBLE_PROFILE).explanation == {
        "vi": "Thông tin người trả lời bất hợp lý: Nghỉ hưu nhưng từ 18 đến 25 tuổi.",
        "en": "Impossible profile: Retired but aged 18 to 25.",
    }
    assert FlagKind.IMPOSSIBLE_PROFILE in kinds(student) and FlagKind.IMPOSSIBLE_PROFILE not in kinds(normal)
    rules = [
        {
            "code": "retired_over_60",
            "label": {"vi": "Nghỉ hưu trên 60", "en": "Retired over 60"},
            "when": {"nghe_nghiep": ["huu_tri"], "nhom_tuoi": ["tren_60"]},
            "severity": "high",
        }
    ]
    quality_settings_update(campaign=qc_campaign, actor=None, profile_rules=rules)
    flags_compute(campaign=qc_campaign)
    assert QualityFlag.objects.filter(kind=FlagKind.IMPOSSIBLE_PROFILE).count() == 1
    assert (
        QualityFlag.objects.get(response=normal, kind=FlagKind.IMPOSSIBLE_PROFILE).severity == Severity.HIGH
    )
    with pytest.raises(ValidationError) as caught:
        quality_settings_update(campaign=qc_campaign, actor=None, profile_rules=[{"code": "x"}])
    assert "profile_rules" in caught.value.message_dict


def test_an_interviewer_whose_answers_are_all_five(qc_campaign, wards, make_user):
    interviewers = [make_user(Role.INTERVIEWER, wards[i % 2], username=f"dt{i}") for i in range(6)]
    values = [["4", "5", "3", "4", "2", "5"], ["4", "4", "3", "5", "2", "4"], ["3", "4", "5", "4", "4", "2"]]
    cheat_responses = []
    for i, interviewer in enumerate(interviewers):
        for n in range(12):
            cheat = i == 5
            answer_set = (
                answers(["5"], p1="5", chung="5")
                if cheat
                else answers(values[(n + i) % 3], chung=str(3 + n % 3))
            )
            response = add(
                qc_campaign,
                wards[n % 2],
                answer_set,
                minutes=10 + (n % 6),
                channel="interviewer",
                interviewer=interviewer,
            )
            if cheat:
                cheat_responses.append(response)
    flags_compute(campaign=qc_campaign)
    flagged = set(QualityFlag.objects.filter(kind=FlagKind.INTERVIEWER).values_list("response_id", flat=True))
    assert flagged == {r.pk for r in cheat_responses}
    flag = QualityFlag.objects.filter(kind=FlagKind.INTERVIEWER).first()
    assert flag.severity == Severity.HIGH and flag.detail["interviewer"] == interviewers[5].pk
    assert "distribution" in flag.detail["reasons"] and flag.detail["interviewers_compared"] == 6
    assert flag.explanation["en"].startswith(f"Interviewer {interviewers[5]}: ")
    # Thresholds from the settings: six interviewers are too few when seven are asked for.
    quality_settings_update(campaign=qc_campaign, actor=None, interviewer_min_interviewers=7)
    flags_compute(campaign=qc_campaign)
    assert not QualityFlag.objects.filter(kind=FlagKind.INTERVIEWER).exists()


def test_disabled_checks_raise_nothing_and_recomputing_replaces_the_flags(qc_campaign, wards, manager):
    liner = add(qc_campaign, wards[0], answers(["5"], p1="5", chung="5"))
    summary = flags_compute(campaign=qc_campaign)
    assert (
        summary.responses == 1 and summary.flagged == 1 and summary.by_kind == {FlagKind.STRAIGHT_LINING: 1}
    )
    settings = QualitySettings.objects.get(campaign=qc_campaign)
    assert settings.compute_state == ComputeState.DONE and settings.computed_max_response_id == liner.pk
    quality_settings_update(
        campaign=qc_campaign, actor=manager, enabled_kinds=[FlagKind.SPEEDER, FlagKind.DUPLICATE_PHONE]
    )
    event = AuditEvent.objects.get(action="quality_settings_changed")
    assert event.actor == manager and event.details["changes"]["enabled_kinds"]["to"] == [
        "duplicate_phone",
        "speeder",
    ]
    flags_compute(campaign=qc_campaign)
    assert not QualityFlag.objects.filter(campaign=qc_campaign).exists()
    with pytest.raises(TypeError):
        quality_settings_update(campaign=qc_campaign, actor=manager, colour="red")


def test_large_campaigns_are_checked_in_the_background(
    qc_campaign, wards, django_capture_on_commit_callbacks
):
    add(qc_campaign, wards[0], answers(["5"], p1="5", chung="5"))
    add(qc_campaign, wards[0])
    with (
        override_settings(QUALITY_INLINE_LIMIT=1),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        assert flags_refresh(campaign=qc_campaign) is None
    assert QualitySettings.objects.get(campaign=qc_campaign).compute_state == ComputeState.QUEUED
    assert not QualityFlag.objects.exists() and len(callbacks) == 1
    callbacks[0]()  # the task (immediate backend in tests) takes the id and calls the service
    assert QualitySettings.objects.get(campaign=qc_campaign).compute_state == ComputeState.DONE
    assert QualityFlag.objects.count() == 1
    assert flags_refresh(campaign=qc_campaign).flagged == 1, "small campaigns: at once"


# ---------------------------------------------------------------------------------------------------
# Decisions


def test_one_decision_changes_the_status_is_audited_and_can_be_changed_later(qc_campaign, wards, manager):
    response = add(qc_campaign, wards[0], answers(["5"], p1="5", chung="5"))
    flags_compute(campaign=qc_campaign)
    with pytest.raises(ValidationError) as caught:
        review_decide(response=response, decision=Decision.REJECT, reason="  ", actor=manager)
    assert "reason" in caught.value.message_dict
    assert Response.objects.get(pk=response.pk).status == "submitted" and not ReviewDecision.objects.exists()

    held = review_decide(response=response, decision=Decision.HOLD, actor=manager)
    assert (held.from_status, held.to_status, held.flags, held.batch) == (
        "submitted",
        "on_hold",
        ["straight_lining"],
        None,
    )
    rejected = review_decide(
        response=response, decision=Decision.REJECT, reason="Gọi lại: không có người này", actor=manager
    )
    assert Response.objects.get(pk=response.pk).status == "rejected"
    approved = review_decide(
        response=response, decision=Decision.APPROVE, reason="Đã gọi lại, đúng người", actor=manager
    )
    assert Response.objects.get(pk=response.pk).status == "approved"
    history = list(ReviewDecision.objects.filter(response=response).order_by("id"))
    assert history == [held, rejected, approved], "the history is kept"
    assert [(d.from_status, d.to_status) for d in history] == [
        ("submitted", "on_hold"),
        ("on_hold", "rejected"),
        ("rejected", "approved"),
    ]
    events = list(AuditEvent.objects.filter(action="response_reviewed").order_by("id"))
    assert len(events) == 3 and all(e.actor == manager and e.target_id == str(response.pk) for e in events)
    assert (
        events[1].details["reason"] == "Gọi lại: không có người này" and events[1].unit_path == wards[0].path
    )
    assert events[1].details["flags"] == ["straight_lining"]


def test_only_a_reviewer_of_the_responses_unit_may_decide(qc_campaign, wards, make_user, unit):
    response = add(qc_campaign, wards[0])
    analyst = make_user(Role.ANALYST, unit("48"))
    elsewhere = make_user(Role.SURVEY_MANAGER, wards[1])
    for user in (analyst, elsewhere):
        with pytest.raises(PermissionDenied):
            review_decide(response=response, decision=Decision.APPROVE, actor=user)
    assert not ReviewDecision.objects.exists()
    local = make_user(Role.SURVEY_MANAGER, wards[0])
    assert review_decide(response=response, decision=Decision.APPROVE, actor=local).to_status == "approved"


def test_a_batch_decision_shares_one_id_and_one_audit_event(qc_campaign, wards, make_user):
    mine = [add(qc_campaign, wards[0]) for _ in range(3)]
    theirs = add(qc_campaign, wards[1])
    already = add(qc_campaign, wards[0], status="on_hold")
    reviewer = make_user(Role.SURVEY_MANAGER, wards[0])
    with pytest.raises(ValidationError):
        review_decide_batch(
            campaign=qc_campaign, responses=Response.objects.all(), decision=Decision.REJECT, actor=reviewer
        )
    result = review_decide_batch(
        campaign=qc_campaign,
        responses=Response.objects.filter(pk__in=[r.pk for r in [*mine, theirs, already]]),
        decision=Decision.HOLD,
        reason="Chờ phúc tra",
        actor=reviewer,
    )
    assert (result.decided, result.unchanged, result.outside) == (3, 1, 1)
    assert set(Response.objects.filter(status="on_hold").values_list("pk", flat=True)) == {
        r.pk for r in [*mine, already]
    }
    assert Response.objects.get(pk=theirs.pk).status == "submitted", "outside the reviewer's ward"
    decisions = ReviewDecision.objects.filter(batch=result.batch)
    assert decisions.count() == 3 and set(decisions.values_list("reason", flat=True)) == {"Chờ phúc tra"}
    event = AuditEvent.objects.get(action="responses_reviewed")
    assert event.details["batch"] == str(result.batch) and event.details["count"] == 3
    assert sorted(event.details["response_ids"]) == sorted(r.pk for r in mine)
    assert event.details["selection"] == "selected" and event.target_id == str(qc_campaign.pk)


def test_approve_every_unflagged_response_in_one_audited_batch(qc_campaign, wards, manager):
    clean = [add(qc_campaign, wards[i % 2]) for i in range(4)]
    flagged = add(qc_campaign, wards[0], answers(["5"], p1="5", chung="5"))
    held = add(qc_campaign, wards[0], status="on_hold")
    rejected = add(qc_campaign, wards[0], status="rejected")
    with pytest.raises(ValidationError):
        approve_unflagged(campaign=qc_campaign, actor=manager)  # the checks have not run
    flags_compute(campaign=qc_campaign)
    late = add(qc_campaign, wards[0])  # arrived after the checks: waits for the next computation
    assert set(unflagged_waiting(campaign=qc_campaign)) == set(clean)
    result = approve_unflagged(campaign=qc_campaign, actor=manager)
    assert result.decided == 4 and result.batch is not None
    statuses = dict(Response.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in clean] == ["approved"] * 4
    assert (statuses[flagged.pk], statuses[held.pk], statuses[rejected.pk], statuses[late.pk]) == (
        "submitted",
        "on_hold",
        "rejected",
        "submitted",
    )
    event = AuditEvent.objects.get(action="responses_reviewed")
    assert event.details["selection"] == "unflagged" and event.details["count"] == 4
    assert approve_unflagged(campaign=qc_campaign, actor=manager).decided == 0
    assert AuditEvent.objects.filter(action="responses_reviewed").count() == 1, (
        "nothing decided, nothing audited"
    )


# ---------------------------------------------------------------------------------------------------
# What counts in the indices


def test_rejected_and_held_responses_never_count_in_an_estimation(qc_campaign, wards, manager):
    good = [add(qc_campaign, wards[i % 2], answers(["4", "5", "4"], chung="5")) for i in range(12)]
    bad = [add(qc_campaign, wards[0], answers(["1", "2"], chung="1")) for _ in range(4)]
    for response in good:
        review_decide(response=response, decision=Decision.APPROVE, actor=manager)
    for response in bad:
        review_decide(response=response, decision=Decision.APPROVE, actor=manager)

    def estimate(counted=Counted.APPROVED):
        run = run_execute(run=run_create(campaign=qc_campaign, enqueue=False, counted=counted))
        assert run.status == "done", run.error
        value = EstimateValue.objects.get(run=run, domain="unit", unit=wards[0], kind="overall")
        return run.n_responses, value.estimate, value.n

    n_before, index_before, unit_n_before = estimate()
    assert n_before == 16 and unit_n_before == 10
    review_decide(response=bad[0], decision=Decision.REJECT, reason="Phiếu giả", actor=manager)
    review_decide(response=bad[1], decision=Decision.HOLD, actor=manager)
    n_after, index_after, unit_n_after = estimate()
    assert (n_after, unit_n_after) == (14, 8) and index_after > index_before
    # Counting not-yet-reviewed responses too still leaves out the rejected and the held ones.
    add(qc_campaign, wards[0])
    assert estimate(Counted.NOT_REJECTED)[0] == 15


def test_explanations_are_stored_in_both_languages_whatever_language_is_active(qc_campaign, wards):
    add(qc_campaign, wards[0], answers(["2"], p1="2", chung="2"))
    with override("en"):
        flags_compute(campaign=qc_campaign)
    flag = QualityFlag.objects.get()
    assert flag.explanation == {
        "vi": "Tất cả 14 câu trả lời theo thang hài lòng đều là “2”.",
        "en": "All 14 satisfaction-scale answers are “2”.",
    }
    assert flag.computed_at is not None and flag.computed_at > moment() - timedelta(days=3650)
    assert SAT_ITEMS[0] == "s1"
