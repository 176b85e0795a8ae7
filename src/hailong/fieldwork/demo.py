"""Demo fieldwork on a drawn sample: a team per unit, the demo interviewer ``dieutra`` and a few
volunteers, people routed across the three channels, some outcomes, a replacement and a few
answers linked to their sampled people.

Called by the demo seed after the sample is drawn::

    from hailong.fieldwork.demo import demo_fieldwork_seed
    demo_fieldwork_seed(campaign=campaign, sample=sample)

Idempotent: every step looks at what is there first, so running it again changes nothing.
"""

import contextlib
import random

from django.core.exceptions import ValidationError
from django.db import transaction

from hailong.accounts import permissions
from hailong.accounts.models import User
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign, CampaignStatus
from hailong.collection.models import Channel, Response
from hailong.collection.services import SubmissionRejected, response_submit
from hailong.core.tabular import Table
from hailong.fieldwork.choices import OPEN_STATUSES
from hailong.fieldwork.imports import interviewers_import
from hailong.fieldwork.models import InterviewerTeam
from hailong.fieldwork.services import (
    active_people,
    people_assign,
    sampled_person_record_response,
    sampled_person_replace,
    sampled_person_set_status,
    team_member_add,
)
from hailong.sampling.choices import FieldChannel, PersonStatus
from hailong.sampling.models import Sample, SampledPerson

DEMO_INTERVIEWER = "dieutra"
TEAM_UNITS = 3  # the units with the most sampled people get a team each
VOLUNTEERS = [  # (full name, phone): two per team, user names tnv.<unit code>.<n>
    ("Nguyễn Văn Tình", "0905100001"),
    ("Trần Thị Nguyện", "0905100002"),
    ("Lê Văn Hăng", "0905100003"),
    ("Phạm Thị Hái", "0905100004"),
    ("Võ Văn Nhiệt", "0905100005"),
    ("Đặng Thị Tâm", "0905100006"),
]


def _volunteer_table(campaign: Campaign, units) -> Table:
    rows = []
    for index, unit in enumerate(units):
        team = f"Nhóm điều tra {unit.name}"
        for n, (name, phone) in enumerate(VOLUNTEERS[2 * index : 2 * index + 2], start=1):
            rows.append(
                {
                    "username": f"tnv.{unit.code}.{n}".lower(),
                    "full_name": name,
                    "phone": phone,
                    "email": f"tnv.{unit.code}.{n}@example.vn".lower(),
                    "team": team,
                    "unit_code": unit.code,
                }
            )
    header = ["username", "full_name", "phone", "email", "team", "unit_code"]
    return Table(
        filename="demo-interviewers.csv",
        header=header,
        rows=iter(enumerate(rows, start=2)),
        columns={name: i for i, name in enumerate(header)},
    )


def _answers(campaign: Campaign, rng: random.Random) -> dict:
    from hailong.collection.formspec import form_spec
    from hailong.demo.responses import synthetic_answers, unit_profile

    spec = form_spec(campaign.version)
    parents = {
        c.code: (c.parent.code if c.parent_id else "")
        for c in campaign.version.criteria.select_related("parent")
    }
    elements = [code.upper() for code, parent in parents.items() if not parent or parent in ("PA", "PB")]
    return synthetic_answers(spec, unit_profile(rng, elements), rng, parents)


def _answer(campaign: Campaign, person: SampledPerson, *, channel: str, interviewer=None) -> None:
    """A synthetic answer from this person (fixed instance id), linked to them."""
    if person.response_id is not None:
        return
    rng = random.Random(person.pk)  # noqa: S311 - reproducible demo data
    instance_id = f"demo:fieldwork:{person.pk}"
    try:
        submitted = response_submit(
            campaign=campaign,
            unit=person.unit,
            channel=channel,
            instance_id=instance_id,
            answers=_answers(campaign, rng),
            invitation=person.invitation if channel == Channel.INVITATION else None,
            interviewer=interviewer,
        )
        response = submitted.response
    except SubmissionRejected:
        response = Response.objects.filter(instance_id=instance_id).first()
        if response is None:
            return
    sampled_person_record_response(person=person, response=response, actor=interviewer)


@transaction.atomic
def demo_fieldwork_seed(*, campaign: Campaign, sample: Sample) -> dict[str, int]:
    """Seed the demo fieldwork of ``sample`` (of ``campaign``); returns a few counts."""
    people = active_people().filter(sample=sample).select_related("unit", "sample", "record")
    by_unit: dict[int, list[SampledPerson]] = {}
    for person in people.order_by("unit_id", "stratum", "pk"):
        by_unit.setdefault(person.unit_id, []).append(person)
    if not by_unit:
        return {"teams": 0, "assigned": 0, "responses": 0}
    busiest = sorted(by_unit, key=lambda pk: (-len(by_unit[pk]), pk))[:TEAM_UNITS]
    units = [by_unit[pk][0].unit for pk in busiest]
    imported = interviewers_import(campaign=campaign, table=_volunteer_table(campaign, units), actor=None)
    dieutra = User.objects.filter(username=DEMO_INTERVIEWER).first()
    assigned = 0
    for unit in units:
        team = InterviewerTeam.objects.get(campaign=campaign, name=f"Nhóm điều tra {unit.name}")
        interviewer = team.memberships.order_by("user__username").first().user
        if dieutra is not None and permissions.has_perm(dieutra, Perm.RESPONSES_COLLECT, unit):
            team_member_add(team=team, user=dieutra)
            interviewer = dieutra
        open_people = [
            p for p in by_unit[unit.pk] if p.channel == FieldChannel.UNASSIGNED and p.status in OPEN_STATUSES
        ]
        # About half to the interviewer, a quarter each to the post and to personal links.
        half = (len(open_people) + 1) // 2
        quarter = half + (len(open_people) - half) // 2
        batches = [
            (FieldChannel.INTERVIEWER, open_people[:half]),
            (FieldChannel.POST, open_people[half:quarter]),
            (FieldChannel.INVITATION, open_people[quarter:]),
        ]
        for channel, batch in batches:
            if batch:
                result = people_assign(
                    campaign=campaign,
                    people=batch,
                    channel=channel,
                    interviewer=interviewer if channel == FieldChannel.INTERVIEWER else None,
                    actor=None,
                    note="demo",
                )
                assigned += result.assigned

    if campaign.status == CampaignStatus.OPEN and dieutra is not None:
        mine = list(
            SampledPerson.objects.filter(sample=sample, interviewer=dieutra)
            .select_related("unit", "sample", "record")
            .order_by("pk")
        )
        # Two interviews done, one contacted, one refusal replaced from the reserve list.
        for person in mine[:2]:
            _answer(campaign, person, channel=Channel.INTERVIEWER, interviewer=dieutra)
        if len(mine) > 2 and mine[2].status == PersonStatus.PENDING:
            sampled_person_set_status(
                person=mine[2], status=PersonStatus.CONTACTED, actor=dieutra, note="hẹn gọi lại"
            )
        if len(mine) > 3 and mine[3].status == PersonStatus.PENDING:
            sampled_person_set_status(person=mine[3], status=PersonStatus.REFUSED, actor=dieutra, note="bận")
        if (
            len(mine) > 3
            and mine[3].status == PersonStatus.REFUSED
            and not SampledPerson.objects.filter(replaces=mine[3]).exists()
        ):
            with contextlib.suppress(ValidationError):  # no reserve left in that stratum
                sampled_person_replace(person=mine[3], actor=None)
        linked = list(
            SampledPerson.objects.filter(
                sample=sample, channel=FieldChannel.INVITATION, invitation__isnull=False
            )
            .select_related("unit", "sample", "invitation", "record")
            .order_by("pk")[:2]
        )
        for person in linked:
            _answer(campaign, person, channel=Channel.INVITATION)
    return {
        "teams": len(units),
        "volunteers_created": len(imported.created),
        "assigned": assigned,
        "responses": SampledPerson.objects.filter(sample=sample, response__isnull=False).count(),
    }
