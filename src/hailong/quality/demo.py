"""The quality part of the demo: a few suspicious responses, their flags, and a queue to review.

Call ``demo_quality_seed(campaign)`` after the demo campaign has its responses (``demo_campaign_seed``)
and before the estimation runs (``demo_estimation_seed``), so the runs count only approved responses.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from hailong.campaigns.models import Campaign
from hailong.collection.models import Channel, Response, ResponseContact, ResponseStatus
from hailong.methodology.choices import QuestionKind
from hailong.methodology.models import Question
from hailong.quality.choices import FlagKind
from hailong.quality.models import QualityFlag
from hailong.quality.services import approve_unflagged, flags_compute

# Interviewers the demo adds so interviewers can be compared (five are needed); the last one's
# answers are all "5".
DEMO_INTERVIEWERS = [
    ("dieutra2", "Bùi Văn Điều Tra"),
    ("dieutra3", "Đỗ Thị Điều Tra"),
    ("dieutra4", "Ngô Văn Điều Tra"),
    ("dieutra5", "Dương Thị Điều Tra"),
    ("dieutra6", "Lý Văn Điều Tra"),
]
DEMO_PHONES = ("0905 123 456", "+84 905 123 456")  # the same number written two ways


def _interviewers(campaign: Campaign) -> list:
    from hailong.accounts.models import RoleAssignment, User
    from hailong.accounts.roles import Role
    from hailong.accounts.services import role_grant, user_create
    from hailong.collection.services import assignment_set
    from hailong.demo.services import DEMO_PASSWORD

    people = [u for u in [User.objects.filter(username="dieutra").first()] if u is not None]
    for username, full_name in DEMO_INTERVIEWERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None, username=username, password=DEMO_PASSWORD, full_name=full_name, validate=False
            )
        if not RoleAssignment.objects.filter(
            user=user, role=Role.INTERVIEWER, unit=campaign.organiser
        ).exists():
            role_grant(actor=None, user=user, role=Role.INTERVIEWER, unit=campaign.organiser)
        people.append(user)
    first = campaign.participants.select_related("unit").order_by("unit__code").first()
    if first is not None:
        for user in people:
            if not campaign.assignments.filter(interviewer=user).exists():
                assignment_set(campaign=campaign, interviewer=user, unit=first.unit, target=25)
    return people


def _local(day, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@transaction.atomic
def demo_quality_seed(campaign: Campaign) -> dict[str, int]:
    """Make a few demo responses suspicious, compute the flags, approve the unflagged ones and leave
    the flagged ones waiting for review. Idempotent: the same responses get the same changes.

    Picked in id order among the campaign's responses: a speeder (answered in 1 minute), a
    straight-liner (every satisfaction answer "3"), two responses with the same phone number
    written two ways, one completed before the collection period, one retired respondent aged
    18–25; the interviewer-channel responses not linked to a sampled person are shared round-robin
    among six interviewers (the demo's ``dieutra`` and five more, ``dieutra2``–``dieutra6``), and
    every satisfaction answer of ``dieutra6`` is set to "5". Flagged responses nobody has decided on go back to waiting for
    review (the demo's blanket approval did not look at flags); then every unflagged response
    waiting for review is approved as one batch by the demo survey manager.
    """
    from hailong.accounts.models import User

    responses = list(campaign.responses.order_by("id"))
    if not responses:
        return {"responses": 0, "flagged": 0, "approved": 0}
    scale = list(
        Question.objects.filter(version=campaign.version, kind=QuestionKind.SATISFACTION).values_list(
            "name", flat=True
        )
    )
    valid = {"1", "2", "3", "4", "5"}
    timed = [r for r in responses if r.channel in (Channel.WEB, Channel.QR)]
    changed: dict[int, Response] = {}

    def pick(candidates: list[Response], index: int) -> Response | None:
        chosen = candidates[index] if len(candidates) > index else None
        if chosen is not None:
            changed[chosen.pk] = chosen
        return chosen

    speeder = pick(timed, 3)
    if speeder is not None and speeder.completed_at:
        speeder.started_at = speeder.completed_at - timedelta(minutes=1)
    straight = pick(timed, 7)
    if straight is not None:
        straight.answers = {
            name: ("3" if name in scale and str(value) in valid else value)
            for name, value in straight.answers.items()
        }
    for index, phone in zip((11, 12), DEMO_PHONES, strict=True):
        twin = pick(timed, index)
        if twin is not None:
            ResponseContact.objects.update_or_create(
                response=twin, defaults={"name": "Nguyễn Văn Trùng", "phone": phone}
            )
    early = pick(timed, 15)
    if early is not None:
        moment = _local(campaign.starts_on - timedelta(days=5))
        early.started_at, early.completed_at = moment - timedelta(minutes=15), moment
    profile = pick(timed, 19)
    if profile is not None and "nghe_nghiep" in profile.answers:
        profile.answers = {**profile.answers, "nghe_nghiep": "huu_tri", "nhom_tuoi": "18_25"}

    interviewers = _interviewers(campaign)
    # Interviews of sampled people (the fieldwork demo) keep the interviewer fieldwork gave them.
    by_interviewer = list(
        campaign.responses.filter(channel=Channel.INTERVIEWER, sampled_person__isnull=True).order_by("id")
    )
    for number, response in enumerate(by_interviewer):
        user = interviewers[number % len(interviewers)]
        response.interviewer = user
        if user.username == DEMO_INTERVIEWERS[-1][0]:
            response.answers = {
                name: ("5" if name in scale and str(value) in valid else value)
                for name, value in response.answers.items()
            }
        changed[response.pk] = response
    Response.objects.bulk_update(
        list(changed.values()), ["started_at", "completed_at", "answers", "interviewer"], batch_size=500
    )
    if early is not None:
        Response.objects.filter(pk=early.pk).update(received_at=early.completed_at)

    summary = flags_compute(campaign=campaign)
    flagged = QualityFlag.objects.filter(campaign=campaign).values("response_id")
    Response.objects.filter(
        pk__in=flagged, status=ResponseStatus.APPROVED, review_decisions__isnull=True
    ).update(status=ResponseStatus.SUBMITTED)
    manager = User.objects.filter(username="quanly").first() or User.objects.filter(is_superuser=True).first()
    approved = approve_unflagged(campaign=campaign, actor=manager).decided if manager is not None else 0
    return {
        "responses": summary.responses,
        "flagged": summary.flagged,
        "approved": approved,
        "interviewer_flags": summary.by_kind.get(FlagKind.INTERVIEWER, 0),
    }
