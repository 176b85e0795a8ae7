"""Every write of the quality app: settings, the flags (recomputed as a whole), review decisions.

Flags: ``flags_compute`` loads a campaign's responses, runs ``checks.run_checks`` and replaces the
campaign's flags in one transaction; ``flags_refresh`` does that at once for a campaign of up to
``QUALITY_INLINE_LIMIT`` responses (default 5,000) and in the background (``quality_flags_task``)
beyond. Decisions: ``review_decide`` (one response), ``review_decide_batch`` (a selection or
everything matching a filter) and ``approve_unflagged`` (every response waiting for review that the
last computation saw and found nothing wrong with). Each changes the responses' status, adds
``ReviewDecision`` rows (the history) and writes one audit event.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.services import audit_record
from hailong.campaigns.models import Campaign
from hailong.collection.models import Response, ResponseContact
from hailong.core.messages import bilingual, lazy_format
from hailong.methodology.choices import Measure, QuestionKind
from hailong.methodology.models import Question, QuestionnaireVersion
from hailong.quality.checks import (
    DOSSIER_QUESTIONS,
    Context,
    Row,
    Thresholds,
    normalise_dossier,
    normalise_phone,
    run_checks,
    validate_profile_rules,
)
from hailong.quality.choices import (
    AUDIT_RESPONSE_REVIEWED,
    AUDIT_RESPONSES_REVIEWED,
    AUDIT_SETTINGS_CHANGED,
    DECISION_STATUS,
    ComputeState,
    Decision,
    FlagKind,
)
from hailong.quality.models import QualityFlag, QualitySettings, ReviewDecision
from hailong.quality.selectors import unflagged_waiting

logger = logging.getLogger(__name__)

CHUNK = 2000
SATISFACTION_MEASURES = (Measure.SATISFACTION, Measure.ELEMENT_OVERALL, Measure.OVERALL)
SETTINGS_FIELDS = (
    "enabled_kinds",
    "dossier_question",
    "speeder_ratio",
    "speeder_min_responses",
    "straight_min_items",
    "period_grace_days",
    "interviewer_z",
    "interviewer_min_interviewers",
    "interviewer_min_responses",
    "interviewer_p_value",
    "profile_rules",
)


def inline_limit() -> int:
    return int(getattr(django_settings, "QUALITY_INLINE_LIMIT", 5000))


# ---------------------------------------------------------------------------------------------------
# Settings


def quality_settings_get(*, campaign: Campaign) -> QualitySettings:
    """The campaign's settings, created with the defaults the first time."""
    found, _created = QualitySettings.objects.get_or_create(campaign=campaign)
    return found


@transaction.atomic
def quality_settings_update(*, campaign: Campaign, actor, request=None, **values) -> QualitySettings:
    """Change some thresholds (keyword names of ``SETTINGS_FIELDS``); audited with the changes."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown quality settings: {', '.join(sorted(unknown))}")
    current = QualitySettings.objects.select_for_update().get(pk=quality_settings_get(campaign=campaign).pk)
    errors: dict[str, list] = {}
    if "profile_rules" in values:
        problems = validate_profile_rules(values["profile_rules"])
        if problems:
            errors["profile_rules"] = problems
    if "enabled_kinds" in values:
        kinds = list(values["enabled_kinds"] or ())
        if any(kind not in FlagKind.values for kind in kinds):
            errors["enabled_kinds"] = [_("Unknown check.")]
        values["enabled_kinds"] = [kind for kind in FlagKind.values if kind in kinds]
    if "speeder_ratio" in values and not 0 < float(values["speeder_ratio"]) < 1:
        errors["speeder_ratio"] = [_("Give a share between 0 and 1, e.g. 0.333 for a third.")]
    if "interviewer_p_value" in values and not 0 < float(values["interviewer_p_value"]) < 1:
        errors["interviewer_p_value"] = [_("Give a p-value between 0 and 1, e.g. 0.001.")]
    if "interviewer_z" in values and float(values["interviewer_z"]) <= 0:
        errors["interviewer_z"] = [_("The limit must be above 0.")]
    if errors:
        raise ValidationError(errors)
    changes = {}
    for name, value in values.items():
        if getattr(current, name) != value:
            changes[name] = {"from": getattr(current, name), "to": value}
            setattr(current, name, value)
    if changes:
        current.updated_by = actor
        current.save(update_fields=[*changes, "updated_by", "updated_at"])
        audit_record(
            action=AUDIT_SETTINGS_CHANGED,
            actor=actor,
            request=request,
            unit=campaign.organiser,
            target=campaign,
            details={"changes": changes},
        )
    return current


# ---------------------------------------------------------------------------------------------------
# Loading responses for the checks


def _scale(version: QuestionnaireVersion) -> tuple[tuple[str, ...], tuple[str, ...]]:
    scale = (version.scoring or {}).get("scale") or {}
    valid = tuple(str(v) for v in scale.get("valid") or ("1", "2", "3", "4", "5"))
    satisfied = tuple(str(v) for v in scale.get("satisfied") or ("4", "5"))
    return valid, satisfied


def _campaign_context(
    campaign: Campaign, version_ids: set[int], thresholds: Thresholds
) -> tuple[Context, str]:
    """The checks' context and the name of the dossier-code question ("" if none)."""
    version = campaign.version
    questions = list(
        Question.objects.filter(version_id__in=version_ids | {version.pk}).values_list(
            "name", "kind", "measure"
        )
    )
    scale_items = tuple(dict.fromkeys(n for n, kind, _m in questions if kind == QuestionKind.SATISFACTION))
    satisfaction_items = tuple(
        dict.fromkeys(
            n
            for n, kind, measure in questions
            if kind == QuestionKind.SATISFACTION and measure in SATISFACTION_MEASURES
        )
    )
    names = {n for n, _k, _m in questions}
    dossier_question = thresholds.dossier_question or next((n for n in DOSSIER_QUESTIONS if n in names), "")
    valid, satisfied = _scale(version)
    interviewer_ids = set(
        Response.objects.filter(campaign=campaign, interviewer__isnull=False)
        .values_list("interviewer_id", flat=True)
        .distinct()
    )
    from hailong.accounts.models import User

    context = Context(
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        scale_items=scale_items,
        satisfaction_items=satisfaction_items,
        valid_codes=valid,
        satisfied_codes=satisfied,
        template=version.questionnaire.template_key,
        interviewer_names={u.pk: str(u) for u in User.objects.filter(pk__in=interviewer_ids)},
        local_date=timezone.localdate,
    )
    return context, dossier_question


def _rows(campaign: Campaign, context: Context, thresholds: Thresholds, dossier_question: str) -> list[Row]:
    from hailong.sampling.models import SampledPerson

    wanted = set(context.scale_items) | set(context.satisfaction_items)
    for rule in thresholds.profile_rules:
        if isinstance(rule, dict) and isinstance(rule.get("when"), dict):
            wanted |= {name for name in rule["when"] if not name.startswith("@")}
    phones: dict[int, str] = {}
    for response_id, phone in Response.objects.filter(
        campaign=campaign, invitation__contact__isnull=False
    ).values_list("id", "invitation__contact__phone"):
        phones[response_id] = normalise_phone(phone)
    # The respondent's own contact, when the channel asked for one, comes before the invitation's.
    for response_id, phone in ResponseContact.objects.filter(response__campaign=campaign).values_list(
        "response_id", "phone"
    ):
        if normalise_phone(phone):
            phones[response_id] = normalise_phone(phone)
    dossiers: dict[int, set[str]] = defaultdict(set)
    applicant: dict[int, str] = {}
    for response_id, code, applicant_type in SampledPerson.objects.filter(
        response__campaign=campaign
    ).values_list("response_id", "record__dossier_code", "record__applicant_type"):
        dossiers[response_id].add(normalise_dossier(code))
        applicant[response_id] = applicant_type
    rows = []
    fields = (
        "id",
        "unit_id",
        "channel",
        "interviewer_id",
        "started_at",
        "completed_at",
        "received_at",
        "answers",
    )
    for pk, unit_id, channel, interviewer, started, completed, received, answers in (
        Response.objects.filter(campaign=campaign)
        .order_by("id")
        .values_list(*fields)
        .iterator(chunk_size=CHUNK)
    ):
        answers = answers or {}
        codes = set(dossiers.get(pk, ()))
        if dossier_question and answers.get(dossier_question) not in (None, ""):
            codes.add(normalise_dossier(answers[dossier_question]))
        rows.append(
            Row(
                id=pk,
                unit=unit_id,
                channel=channel,
                interviewer=interviewer,
                started_at=started,
                completed_at=completed,
                received_at=received,
                answers={name: answers[name] for name in wanted if name in answers},
                phone=phones.get(pk, ""),
                dossier_codes=tuple(sorted(c for c in codes if c)),
                applicant_type=applicant.get(pk, ""),
            )
        )
    return rows


def _both_languages(message) -> dict[str, str]:
    with override("vi"):
        vi = str(message)
    with override("en"):
        en = str(message)
    return {"vi": vi, "en": en}


# ---------------------------------------------------------------------------------------------------
# Computing the flags


@dataclass(frozen=True)
class FlagsSummary:
    responses: int
    flagged: int
    by_kind: dict[str, int]


def flags_compute(*, campaign: Campaign) -> FlagsSummary:
    """Run every enabled check over the campaign's responses and replace its flags."""
    current = quality_settings_get(campaign=campaign)
    QualitySettings.objects.filter(pk=current.pk).update(compute_state=ComputeState.RUNNING, compute_error="")
    try:
        thresholds = current.thresholds()
        max_id = Response.objects.filter(campaign=campaign).aggregate(m=Max("id"))["m"]
        version_ids = set(
            Response.objects.filter(campaign=campaign).values_list("version_id", flat=True).distinct()
        )
        context, dossier_question = _campaign_context(campaign, version_ids, thresholds)
        rows = _rows(campaign, context, thresholds, dossier_question)
        rows = [row for row in rows if max_id is None or row.id <= max_id]
        findings = run_checks(rows, context, thresholds)
        now = timezone.now()
        rendered: dict[int, dict] = {}
        flags = []
        for finding in findings:
            key = id(finding.message)
            if key not in rendered:
                rendered[key] = _both_languages(finding.message)
            flags.append(
                QualityFlag(
                    response_id=finding.response_id,
                    campaign=campaign,
                    kind=finding.kind,
                    severity=int(finding.severity),
                    explanation=rendered[key],
                    detail=finding.detail,
                    computed_at=now,
                )
            )
        with transaction.atomic():
            QualityFlag.objects.filter(campaign=campaign).delete()
            QualityFlag.objects.bulk_create(flags, batch_size=CHUNK)
            QualitySettings.objects.filter(pk=current.pk).update(
                compute_state=ComputeState.DONE,
                computed_at=now,
                computed_max_response_id=max_id,
                computed_responses=len(rows),
            )
    except Exception as exc:
        QualitySettings.objects.filter(pk=current.pk).update(
            compute_state=ComputeState.FAILED, compute_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.exception("quality flags of campaign %s failed", campaign.pk)
        raise
    by_kind: dict[str, int] = defaultdict(int)
    for flag in flags:
        by_kind[flag.kind] += 1
    flagged = len({f.response_id for f in flags})
    logger.info(
        "%s",
        bilingual(
            lazy_format(
                _("Quality checks of {campaign}: {flags} flags on {flagged} of {responses} responses."),
                campaign=campaign.code,
                flags=len(flags),
                flagged=flagged,
                responses=len(rows),
            )
        ),
    )
    return FlagsSummary(responses=len(rows), flagged=flagged, by_kind=dict(by_kind))


def flags_refresh(*, campaign: Campaign, background: bool | None = None) -> FlagsSummary | None:
    """Recompute the flags now (small campaigns) or queue it (large ones, or ``background=True``).

    Returns the summary when computed here, None when queued.
    """
    if background is None:
        background = campaign.responses.count() > inline_limit()
    if not background:
        return flags_compute(campaign=campaign)
    current = quality_settings_get(campaign=campaign)
    QualitySettings.objects.filter(pk=current.pk).update(compute_state=ComputeState.QUEUED, compute_error="")
    from hailong.quality.tasks import quality_flags_task

    transaction.on_commit(lambda: quality_flags_task.enqueue(campaign.pk))
    return None


# ---------------------------------------------------------------------------------------------------
# Decisions


@dataclass(frozen=True)
class BatchResult:
    batch: uuid.UUID | None
    decided: int  # responses whose status changed
    unchanged: int  # already in the decided status: nothing recorded
    outside: int  # matched but outside the reviewer's area: left alone


def _checked(decision: str, reason: str) -> str:
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose approve, reject or put on hold.")})
    reason = (reason or "").strip()
    if decision == Decision.REJECT and not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting.")})
    return reason


def _apply(
    *, ids: list[int], decision: str, reason: str, actor, batch: uuid.UUID | None, skip_unchanged: bool
) -> list[ReviewDecision]:
    """Change the status of ``ids`` and record the decisions (inside the caller's transaction)."""
    to_status = DECISION_STATUS[decision]
    recorded: list[ReviewDecision] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # Locked in primary-key order, so two reviewers' batches cannot deadlock each other.
        current = list(
            Response.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "status")
        )
        if skip_unchanged:
            current = [(pk, status) for pk, status in current if status != to_status]
        if not current:
            continue
        flags: dict[int, list[str]] = defaultdict(list)
        for response_id, kind in QualityFlag.objects.filter(
            response_id__in=[pk for pk, _s in current]
        ).values_list("response_id", "kind"):
            flags[response_id].append(kind)
        Response.objects.filter(pk__in=[pk for pk, _s in current]).update(status=to_status)
        recorded += ReviewDecision.objects.bulk_create(
            ReviewDecision(
                response_id=pk,
                decision=decision,
                reason=reason,
                from_status=status,
                to_status=to_status,
                flags=sorted(flags.get(pk, [])),
                decided_by=actor,
                batch=batch,
            )
            for pk, status in current
        )
    return recorded


@transaction.atomic
def review_decide(
    *, response: Response, decision: str, reason: str = "", actor, request=None
) -> ReviewDecision:
    """Approve, reject (with a reason) or hold one response; a later decision supersedes it."""
    permissions.require(actor, Perm.RESPONSES_REVIEW, response.unit)
    reason = _checked(decision, reason)
    (recorded,) = _apply(
        ids=[response.pk], decision=decision, reason=reason, actor=actor, batch=None, skip_unchanged=False
    )
    response.status = recorded.to_status
    audit_record(
        action=AUDIT_RESPONSE_REVIEWED,
        actor=actor,
        request=request,
        unit=response.unit,
        target=response,
        details={
            "decision": decision,
            "reason": reason,
            "from": recorded.from_status,
            "to": recorded.to_status,
            "flags": recorded.flags,
            "campaign": response.campaign_id,
        },
    )
    return recorded


@transaction.atomic
def review_decide_batch(
    *,
    campaign: Campaign,
    responses: QuerySet[Response],
    decision: str,
    reason: str = "",
    actor,
    request=None,
    selection: str = "selected",
) -> BatchResult:
    """Decide every response of ``responses`` (of ``campaign``) that ``actor`` may review, as one
    batch: one batch id on every decision and one audit event. Responses already in the decided
    status are left as they are; those outside the reviewer's area too (and counted)."""
    reason = _checked(decision, reason)
    matching = responses.filter(campaign=campaign)
    allowed = permissions.scope(matching, actor, Perm.RESPONSES_REVIEW, path_field="unit__path")
    ids = sorted(set(allowed.values_list("pk", flat=True)))
    outside = matching.count() - len(ids)
    if not ids:
        return BatchResult(None, 0, 0, outside)
    batch = uuid.uuid4()
    recorded = _apply(
        ids=ids, decision=decision, reason=reason, actor=actor, batch=batch, skip_unchanged=True
    )
    if recorded:
        audit_record(
            action=AUDIT_RESPONSES_REVIEWED,
            actor=actor,
            request=request,
            unit=campaign.organiser,
            target=campaign,
            details={
                "batch": str(batch),
                "selection": selection,
                "decision": decision,
                "reason": reason,
                "count": len(recorded),
                "response_ids": [d.response_id for d in recorded],
            },
        )
    return BatchResult(batch if recorded else None, len(recorded), len(ids) - len(recorded), outside)


def approve_unflagged(*, campaign: Campaign, actor, request=None) -> BatchResult:
    """Approve, as one audited batch, every response waiting for review with no flag. Responses that
    arrived after the flags were computed wait for the next computation."""
    current = quality_settings_get(campaign=campaign)
    if current.compute_state != ComputeState.DONE:
        raise ValidationError(_("Compute the flags first: only checked responses can be approved unflagged."))
    return review_decide_batch(
        campaign=campaign,
        responses=unflagged_waiting(campaign=campaign),
        decision=Decision.APPROVE,
        actor=actor,
        request=request,
        selection="unflagged",
    )
