"""Every write of collected answers: submissions (stored exactly once), rejections kept for review,
drafts (save and resume), invitations, links and paper entries."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hailong.campaigns.models import Campaign, CampaignStatus
from hailong.collection.formspec import form_spec
from hailong.collection.models import (
    Assignment,
    Channel,
    Draft,
    Invitation,
    InvitationContact,
    PaperEntry,
    PublicLink,
    RejectedSubmission,
    Response,
    ResponseContact,
    ResponseStatus,
    ReviewStatus,
)
from hailong.collection.validation import AnswerError, _both, validate_answers
from hailong.units.models import Unit

MAX_INSTANCE_ID = 100


class SubmissionInvalid(Exception):
    """The answers have errors to show to the person filling the form; nothing was stored."""

    def __init__(self, errors: list[AnswerError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


class SubmissionRejected(Exception):
    """The submission failed validation; it is kept (``rejection``) with its ``errors``."""

    def __init__(self, errors: list[AnswerError], rejection: RejectedSubmission) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.rejection = rejection


@dataclass(frozen=True)
class Submitted:
    response: Response
    created: bool  # False: this instance had been stored already (a retry or a double click)


def _reject(*, campaign, unit, channel, instance_id, payload, errors) -> RejectedSubmission:
    return RejectedSubmission.objects.create(
        campaign=campaign,
        unit=unit,
        channel=channel,
        instance_id=(instance_id or "")[:MAX_INSTANCE_ID],
        payload=payload,
        errors=[e.as_dict() for e in errors],
    )


def _campaign_error(
    campaign: Campaign, unit: Unit, today: date, *, checked_participation: bool
) -> AnswerError | None:
    if campaign.status != CampaignStatus.OPEN:
        return AnswerError("", "campaign_closed", _both(_("This survey is not open for answers.")))
    # An active public link exists only for a participating unit: no need to ask again.
    if not checked_participation and not campaign.participants.filter(unit=unit).exists():
        return AnswerError("", "unit", _both(_("This unit does not take part in the survey.")))
    return None


def response_submit(
    *,
    campaign: Campaign,
    unit: Unit,
    channel: str,
    instance_id: str,
    answers: dict[str, Any],
    started_at: datetime | None = None,
    completed_at: datetime | None = None,
    language: str = "vi",
    public_link: PublicLink | None = None,
    invitation: Invitation | None = None,
    interviewer=None,
    entered_by=None,
    service_point: Unit | None = None,
    paper_form_number: str = "",
    contact: dict[str, str] | None = None,
    meta: dict | None = None,
    strict_names: bool = True,
    keep_rejection: bool = True,
) -> Submitted:
    """Validate and store one submission, exactly once per ``instance_id``.

    A retried submission (same instance id) returns the stored response without touching it. A
    submission that fails validation is kept in the review list and ``SubmissionRejected`` raised.
    """
    payload = {
        "instance_id": instance_id,
        "answers": answers,
        "started_at": started_at.isoformat() if started_at else None,
        "completed_at": completed_at.isoformat() if completed_at else None,
        "language": language,
        "channel": channel,
    }
    if not instance_id or len(instance_id) > MAX_INSTANCE_ID:
        error = AnswerError("", "instance_id", _both(_("The submission has no valid instance id.")))
        raise SubmissionRejected(
            [error],
            _reject(
                campaign=campaign,
                unit=unit,
                channel=channel,
                instance_id=instance_id,
                payload=payload,
                errors=[error],
            ),
        )

    today = timezone.localdate()
    problem = _campaign_error(campaign, unit, today, checked_participation=public_link is not None)
    errors = [problem] if problem else []
    clean: dict[str, Any] = {}
    if not errors:
        clean, errors = validate_answers(
            form_spec(campaign.version), answers, today=today, strict_names=strict_names
        )
    if not errors and invitation is not None and invitation.used_at is not None:
        errors = [AnswerError("", "invitation_used", _both(_("This invitation has already been answered.")))]
    if errors:
        # A retry of something stored earlier is not an error, even if the rules changed since
        # (the campaign closed, say). Checked only here, so the usual path costs no extra query.
        existing = Response.objects.filter(instance_id=instance_id).first()
        if existing is not None:
            return Submitted(existing, False)
        if not keep_rejection:
            raise SubmissionInvalid(errors)
        rejection = _reject(
            campaign=campaign,
            unit=unit,
            channel=channel,
            instance_id=instance_id,
            payload=payload,
            errors=errors,
        )
        raise SubmissionRejected(errors, rejection)

    values = {
        "uuid": uuid.uuid4(),
        "instance_id": instance_id,
        "campaign_id": campaign.pk,
        "version_id": campaign.version_id,
        "unit_id": unit.pk,
        "service_point_id": service_point.pk if service_point else None,
        "channel": channel,
        "public_link_id": public_link.pk if public_link else None,
        "invitation_id": invitation.pk if invitation else None,
        "interviewer_id": interviewer.pk if interviewer else None,
        "entered_by_id": entered_by.pk if entered_by else None,
        "paper_form_number": paper_form_number,
        "language": language,
        "started_at": started_at,
        "completed_at": completed_at or timezone.now(),
        "received_at": timezone.now(),
        "answers": clean,
        "status": ResponseStatus.SUBMITTED,
        "meta": meta or {},
    }
    if invitation is None and not (contact and any(contact.values())):
        # The common case (links, QR codes, kiosks): one INSERT … ON CONFLICT, no transaction.
        response = _insert_once(values)
        if response is None:
            return Submitted(Response.objects.get(instance_id=instance_id), False)
        return Submitted(response, True)
    try:
        with transaction.atomic():
            response = Response.objects.create(**values)
            if contact and any(contact.values()):
                ResponseContact.objects.create(response=response, **contact)
            if invitation is not None:
                # The conditional update is the lock: of two racing answers only one marks it used.
                used = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
                    used_at=timezone.now()
                )
                if not used:
                    raise _InvitationTaken
    except IntegrityError:
        # Another request stored this instance a moment ago (concurrent retry): that one counts.
        existing = Response.objects.filter(instance_id=instance_id).first()
        if existing is None:
            raise
        return Submitted(existing, False)
    except _InvitationTaken:
        error = AnswerError("", "invitation_used", _both(_("This invitation has already been answered.")))
        raise SubmissionRejected(
            [error],
            _reject(
                campaign=campaign,
                unit=unit,
                channel=channel,
                instance_id=instance_id,
                payload=payload,
                errors=[error],
            ),
        ) from None
    return Submitted(response, True)


class _InvitationTaken(Exception):
    pass


@lru_cache(maxsize=8)
def _insert_statement(alias: str, names: tuple[str, ...]) -> tuple[list, str]:
    connection = connections[alias]
    fields = [Response._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    # Table and column names come from the model; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(Response._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('instance_id')}) DO NOTHING RETURNING {quote('id')}"
    )
    return fields, sql


def _insert_postgresql(connection, sql: str, params: list) -> tuple | None:
    """Run the insert as a server-side prepared statement (parsed and planned once per connection).

    Instead of a health check (a ``SELECT 1`` round trip) before every submission, a connection
    that turns out to be dead (PostgreSQL restarted) is replaced and the insert sent once more; the
    insert is idempotent (``ON CONFLICT DO NOTHING``), so a second try can never store twice.
    """
    import psycopg

    for attempt in (1, 2):
        # Skips Django's per-request health check for this connection; the retry below replaces it.
        connection.health_check_done = True
        connection.ensure_connection()
        try:
            with psycopg.Cursor(connection.connection) as cursor:
                cursor.execute(sql, params, prepare=True)
                return cursor.fetchone()
        except (psycopg.OperationalError, psycopg.InterfaceError):
            if attempt == 2 or connection.in_atomic_block:
                raise
            connection.close()
    return None


def _insert_once(values: dict[str, Any]) -> Response | None:
    """Insert a response unless its instance id is stored already (then None): a single statement.

    The hot path of collection, so it skips the ORM's query building; the columns and value
    conversions still come from the model, so this stays the same row ``Response.objects.create``
    would write (tested).
    """
    connection = connections[router.db_for_write(Response)]
    fields, sql = _insert_statement(connection.alias, tuple(values))
    params = [field.get_db_prep_save(values[field.attname], connection) for field in fields]
    if connection.vendor == "postgresql":
        row = _insert_postgresql(connection, sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    if row is None:
        return None
    response = Response(id=row[0], **values)
    response._state.adding = False
    response._state.db = connection.alias
    return response


@transaction.atomic
def rejection_accept(*, rejection: RejectedSubmission, actor) -> Response:
    """A reviewer keeps a rejected submission as it is (answers that do not fit are dropped)."""
    payload = rejection.payload
    spec = form_spec(rejection.campaign.version)
    clean = {name: value for name, value in (payload.get("answers") or {}).items() if name in spec.by_name}
    response = Response.objects.create(
        instance_id=payload.get("instance_id") or f"review:{rejection.pk}",
        campaign=rejection.campaign,
        version_id=rejection.campaign.version_id,
        unit=rejection.unit,
        channel=rejection.channel,
        language=payload.get("language") or "vi",
        completed_at=rejection.received_at,
        answers=clean,
        meta={"accepted_after_review": True, "errors": rejection.errors},
    )
    rejection.status = ReviewStatus.ACCEPTED
    rejection.reviewed_by = actor
    rejection.reviewed_at = timezone.now()
    rejection.response = response
    rejection.save(update_fields=["status", "reviewed_by", "reviewed_at", "response"])
    return response


@transaction.atomic
def rejection_discard(*, rejection: RejectedSubmission, actor) -> None:
    rejection.status = ReviewStatus.DISCARDED
    rejection.reviewed_by = actor
    rejection.reviewed_at = timezone.now()
    rejection.save(update_fields=["status", "reviewed_by", "reviewed_at"])


def draft_save(
    *,
    campaign: Campaign,
    unit: Unit,
    channel: str,
    instance_id: str,
    answers: dict[str, Any],
    language: str,
    public_link: PublicLink | None = None,
    invitation: Invitation | None = None,
    code: str | None = None,
) -> Draft:
    """Keep answers given so far (unvalidated) under a resume code."""
    draft = Draft.objects.filter(code=code, campaign=campaign).first() if code else None
    if draft is None:
        draft = Draft(
            campaign=campaign,
            unit=unit,
            channel=channel,
            instance_id=instance_id,
            public_link=public_link,
            invitation=invitation,
            started_at=timezone.now(),
        )
    draft.answers = answers
    draft.language = language
    draft.save()
    return draft


@transaction.atomic
def public_links_ensure(*, campaign: Campaign) -> list[PublicLink]:
    """One link per participating unit and per service point (or one-stop office) under it."""
    from hailong.units.choices import UnitType

    links = []
    for participant in campaign.participants.select_related("unit"):
        unit = participant.unit
        link, _created = PublicLink.objects.get_or_create(campaign=campaign, unit=unit, service_point=None)
        links.append(link)
        points = Unit.objects.filter(
            path__startswith=unit.path, type__in=[UnitType.ONE_STOP_OFFICE, UnitType.SERVICE_POINT]
        ).overlapping(campaign.starts_on, campaign.ends_on)
        for point in points:
            link, _created = PublicLink.objects.get_or_create(
                campaign=campaign, unit=unit, service_point=point
            )
            links.append(link)
    return links


@transaction.atomic
def invitations_create(*, campaign: Campaign, unit: Unit, people: list[dict[str, str]]) -> list[Invitation]:
    """One personal link per person; their contact details are stored apart from any answer."""
    invitations = []
    for person in people:
        invitation = Invitation.objects.create(campaign=campaign, unit=unit)
        InvitationContact.objects.create(
            invitation=invitation,
            name=person.get("name", "")[:200],
            email=person.get("email", "")[:254],
            phone=person.get("phone", "")[:32],
            address=person.get("address", "")[:500],
        )
        invitations.append(invitation)
    return invitations


@transaction.atomic
def assignment_set(*, campaign: Campaign, interviewer, unit: Unit, target: int = 0) -> Assignment:
    assignment, _created = Assignment.objects.update_or_create(
        campaign=campaign, interviewer=interviewer, unit=unit, defaults={"target": target}
    )
    return assignment


def paper_instance_id(campaign: Campaign, form_number: str) -> str:
    # A paper form is identified by its printed number: typing it twice cannot store it twice.
    return f"paper:{campaign.pk}:{form_number.strip()}"


@dataclass(frozen=True)
class PaperResult:
    entry: PaperEntry
    response: Response | None
    differences: list[str]


def paper_entry_save(
    *, campaign: Campaign, unit: Unit, form_number: str, answers: dict[str, Any], entered_by
) -> PaperResult:
    """Type in one returned paper form.

    The first typing becomes the response. With double entry on, a second typing by someone else is
    compared with the first and the differing questions are returned (and shown in the report).
    """
    form_number = form_number.strip()
    first = PaperEntry.objects.filter(campaign=campaign, form_number=form_number, entry=1).first()
    if first is None:
        submitted = response_submit(
            campaign=campaign,
            unit=unit,
            channel=Channel.PAPER,
            instance_id=paper_instance_id(campaign, form_number),
            answers=answers,
            entered_by=entered_by,
            paper_form_number=form_number,
            keep_rejection=False,
        )
        entry = PaperEntry.objects.create(
            campaign=campaign,
            unit=unit,
            form_number=form_number,
            entry=1,
            answers=submitted.response.answers,
            entered_by=entered_by,
            response=submitted.response,
        )
        return PaperResult(entry, submitted.response, [])
    if not campaign.double_entry:
        raise PaperAlreadyEntered(first)
    if first.entered_by_id == entered_by.pk:
        raise PaperSecondEntrySamePerson(first)
    if PaperEntry.objects.filter(campaign=campaign, form_number=form_number, entry=2).exists():
        raise PaperAlreadyEntered(first)
    clean, errors = validate_answers(form_spec(campaign.version), answers)
    if errors:
        raise SubmissionInvalid(errors)
    entry = PaperEntry.objects.create(
        campaign=campaign,
        unit=first.unit,
        form_number=form_number,
        entry=2,
        answers=clean,
        entered_by=entered_by,
        response=first.response,
    )
    return PaperResult(entry, first.response, paper_differences(first.answers, clean))


def paper_differences(first: dict, second: dict) -> list[str]:
    return sorted(name for name in set(first) | set(second) if first.get(name) != second.get(name))


@transaction.atomic
def paper_reconcile(*, response: Response, choices: dict[str, str], actor) -> Response:
    """Settle the differences of a double-entered form: per question, keep entry 1 or entry 2."""
    entries = {e.entry: e for e in response.paper_entries.all()}
    answers = dict(response.answers)
    for name, pick in choices.items():
        source = entries[2 if pick == "2" else 1].answers
        if name in source:
            answers[name] = source[name]
        else:
            answers.pop(name, None)
    clean, errors = validate_answers(form_spec(response.version), answers)
    if errors:
        raise SubmissionRejected(
            errors,
            _reject(
                campaign=response.campaign,
                unit=response.unit,
                channel=Channel.PAPER,
                instance_id=response.instance_id + ":reconcile",
                payload={"answers": answers},
                errors=errors,
            ),
        )
    response.answers = clean
    response.meta = {
        **response.meta,
        "reconciled_by": actor.get_username(),
        "reconciled_at": timezone.now().isoformat(),
    }
    response.save(update_fields=["answers", "meta"])
    return response


class PaperAlreadyEntered(Exception):
    def __init__(self, entry: PaperEntry) -> None:
        super().__init__(entry.form_number)
        self.entry = entry


class PaperSecondEntrySamePerson(PaperAlreadyEntered):
    pass
