"""The review queue, a response's page, decisions (one or a batch) and the campaign's thresholds."""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.collection.formspec import form_spec
from hailong.collection.models import Response, ResponseStatus
from hailong.core.messages import validation_messages
from hailong.core.texts import text_in
from hailong.quality.forms import DecisionForm, QueueFilterForm, SettingsForm
from hailong.quality.models import QualitySettings
from hailong.quality.selectors import (
    READ_PERMS,
    QueueFilters,
    flag_counts,
    may_review_somewhere,
    queue_interviewers,
    queue_page_rows,
    queue_summary,
    response_get_for,
    response_history,
    responses_for,
    review_campaign_get_for,
    review_campaigns_for,
    review_queue,
    unflagged_waiting,
)
from hailong.quality.services import (
    SETTINGS_FIELDS,
    approve_unflagged,
    flags_refresh,
    quality_settings_get,
    quality_settings_update,
    review_decide,
    review_decide_batch,
)

PAGE_SIZE = 50
FILTER_NAMES = ("unit", "channel", "kind", "status", "interviewer")


def _require_reader(user) -> None:
    if not any(permissions.has_perm(user, perm) for perm in READ_PERMS):
        raise PermissionDenied


def _filter_form(request, campaign, data):
    units = [
        p.unit
        for p in campaign.participants.select_related("unit").order_by("unit__name")
        if any(permissions.has_perm(request.user, perm, p.unit) for perm in READ_PERMS)
    ]
    return QueueFilterForm(data, units=units, interviewers=queue_interviewers(campaign))


def _filter_query(data) -> str:
    return urlencode([(name, data[name]) for name in FILTER_NAMES if data.get(name)])


def _queue_url(campaign, query: str = "") -> str:
    url = reverse("quality:queue", args=[campaign.pk])
    return f"{url}?{query}" if query else url


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(message) for _field, message in validation_messages(exc))


@login_required
def home(request):
    _require_reader(request.user)
    campaigns = list(review_campaigns_for(user=request.user)[:100])
    for campaign in campaigns:
        campaign.summary = queue_summary(user=request.user, campaign=campaign)
    return render(request, "quality/home.html", {"campaigns": campaigns})


@login_required
def queue(request, campaign_id: int):
    campaign = review_campaign_get_for(user=request.user, campaign_id=campaign_id)
    form = _filter_form(request, campaign, request.GET or None)
    filters = form.filters() if request.GET else QueueFilters()
    rows = queue_page_rows(review_queue(user=request.user, campaign=campaign, filters=filters))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    quality = quality_settings_get(campaign=campaign)
    reviewer = may_review_somewhere(request.user, campaign)
    newer = (
        campaign.responses.filter(pk__gt=quality.computed_max_response_id).count()
        if quality.computed_max_response_id is not None
        else campaign.responses.count()
    )
    query = _filter_query(request.GET)
    return render(
        request,
        "quality/queue.html",
        {
            "campaign": campaign,
            "form": form,
            "page": page,
            "query": query,
            "filters_hidden": [(name, request.GET[name]) for name in FILTER_NAMES if request.GET.get(name)],
            "summary": queue_summary(user=request.user, campaign=campaign),
            "flag_counts": sorted(flag_counts(user=request.user, campaign=campaign).items()),
            "quality": quality,
            "newer": newer,
            "reviewer": reviewer,
            "may_configure": permissions.has_perm(request.user, Perm.SURVEYS_MANAGE, campaign.organiser),
            "unflagged": unflagged_waiting(campaign=campaign).count() if reviewer else 0,
            "decision_form": DecisionForm(auto_id="batch_%s") if reviewer else None,
            "next": request.get_full_path(),
        },
    )


def _answers(response: Response) -> list[dict]:
    """The response's answers in questionnaire order, with the question and choice labels."""
    spec = form_spec(response.version)
    rows = []
    answers = response.answers or {}
    for question in spec.questions:
        if question.name not in answers:
            continue
        value = answers[question.name]
        labels = {c.value: c.label for c in question.choices}
        values = value if isinstance(value, list) else [value]
        shown = [f"{v} — {text_in(labels[str(v)])}" if str(v) in labels else str(v) for v in values]
        rows.append(
            {
                "name": question.name,
                "label": text_in(question.label),
                "value": "; ".join(shown),
                "kind": question.kind,
            }
        )
    known = set(spec.by_name)
    rows.extend(
        {"name": name, "label": "", "value": str(value), "kind": ""}
        for name, value in answers.items()
        if name not in known
    )
    return rows


def _detail(request, campaign, response, form, status: int = 200):
    contact = None
    may_see_contact = permissions.has_perm(request.user, Perm.PERSONAL_DATA_VIEW, response.unit)
    if may_see_contact and request.GET.get("contact") == "1":
        contact = getattr(response, "contact", None)
        if contact is None and response.invitation_id:
            contact = getattr(response.invitation, "contact", None)
        if contact is not None:
            audit_record(
                action=AuditAction.PERSONAL_DATA_VIEWED,
                request=request,
                unit=response.unit,
                target=response,
                details={"what": "response_contact", "campaign": campaign.pk},
            )
    sampled = getattr(response, "sampled_person", None)
    flags = list(response.quality_flags.all())
    others = sorted({other for flag in flags for other in flag.detail.get("others", [])})
    visible_others = set(
        responses_for(user=request.user, campaign=campaign).filter(pk__in=others).values_list("pk", flat=True)
    )
    labels = dict(ResponseStatus.choices)
    history = list(response_history(response))
    for decision in history:
        decision.from_label = labels.get(decision.from_status, decision.from_status)
        decision.to_label = labels.get(decision.to_status, decision.to_status)
    return render(
        request,
        "quality/response_detail.html",
        {
            "campaign": campaign,
            "response": response,
            "answers": _answers(response),
            "flags": flags,
            "others": [(pk, pk in visible_others) for pk in others],
            "history": history,
            "may_decide": permissions.has_perm(request.user, Perm.RESPONSES_REVIEW, response.unit),
            "may_see_contact": may_see_contact,
            "contact": contact,
            "dossier": sampled.record.dossier_code if sampled is not None else "",
            "form": form,
            "next": request.GET.get("next") or request.POST.get("next") or _queue_url(campaign),
        },
        status=status,
    )


@login_required
def response_detail(request, campaign_id: int, response_id: int):
    campaign = review_campaign_get_for(user=request.user, campaign_id=campaign_id)
    response = response_get_for(user=request.user, campaign=campaign, response_id=response_id)
    return _detail(request, campaign, response, DecisionForm())


@login_required
@require_POST
def response_decide(request, campaign_id: int, response_id: int):
    campaign = review_campaign_get_for(user=request.user, campaign_id=campaign_id)
    response = response_get_for(user=request.user, campaign=campaign, response_id=response_id)
    if not permissions.has_perm(request.user, Perm.RESPONSES_REVIEW, response.unit):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, campaign, response, form, status=400)
    data = form.cleaned_data
    try:
        review_decide(
            response=response,
            decision=data["decision"],
            reason=data["reason"],
            actor=request.user,
            request=request,
        )
    except ValidationError as exc:
        for name, message in validation_messages(exc):
            form.add_error(name if name in form.fields else None, str(message))
        return _detail(request, campaign, response, form, status=400)
    messages.success(
        request,
        _("Response %(ref)s: %(decision)s.")
        % {"ref": response.pk, "decision": response.get_status_display()},
    )
    return redirect(_safe_next(request, _queue_url(campaign)))


@login_required
@require_POST
def batch_decide(request, campaign_id: int):
    campaign = review_campaign_get_for(user=request.user, campaign_id=campaign_id)
    if not may_review_somewhere(request.user, campaign):
        raise PermissionDenied
    back = _queue_url(campaign, _filter_query(request.POST))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    if request.POST.get("all_matching") == "1":
        filters = _filter_form(request, campaign, request.POST).filters()
        selected = review_queue(user=request.user, campaign=campaign, filters=filters)
        selection = "all_matching"
    else:
        ids = [int(v) for v in request.POST.getlist("response") if v.isdigit()]
        if not ids:
            messages.error(request, _("Select at least one response, or every response matching the filter."))
            return redirect(back)
        selected = responses_for(user=request.user, campaign=campaign).filter(pk__in=ids)
        selection = "selected"
    data = form.cleaned_data
    try:
        result = review_decide_batch(
            campaign=campaign,
            responses=selected,
            decision=data["decision"],
            reason=data["reason"],
            actor=request.user,
            request=request,
            selection=selection,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    messages.success(
        request,
        _("%(n)d response(s) decided; %(same)d already had that status.")
        % {"n": result.decided, "same": result.unchanged},
    )
    if result.outside:
        messages.error(
            request,
            _("%(n)d response(s) are outside the units you may review and were left as they were.")
            % {"n": result.outside},
        )
    return redirect(back)


@login_required
@require_POST
def approve_unflagged_view(request, campaign_id: int):
    campaign = review_campaign_get_for(user=request.user, campaign_id=campaign_id)
    if not may_review_somewhere(request.user, campaign):
        raise PermissionDenied
    try:
        result = approve_unflagged(campaign=campaign, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(n)d unflagged response(s) approved.") % {"n": result.decided})
    return redirect(_queue_url(campaign))


@login_required
@require_POST
def recompute(request, campaign_id: int):
    campaign = review_campaign_get_for(user=request.user, campaign_id=campaign_id)
    if not (
        may_review_somewhere(request.user, campaign)
        or permissions.has_perm(request.user, Perm.SURVEYS_MANAGE, campaign.organiser)
    ):
        raise PermissionDenied
    summary = flags_refresh(campaign=campaign)
    if summary is None:
        messages.success(request, _("The checks are running in the background; reload this page in a while."))
    else:
        messages.success(
            request,
            _("Checks done: %(flagged)d of %(n)d responses flagged.")
            % {"flagged": summary.flagged, "n": summary.responses},
        )
    return redirect(_queue_url(campaign))


def _settings_initial(current: QualitySettings) -> dict:
    initial = {name: getattr(current, name) for name in SETTINGS_FIELDS}
    initial["profile_rules"] = json.dumps(current.profile_rules, ensure_ascii=False, indent=2)
    return initial


@login_required
def settings_view(request, campaign_id: int):
    campaign = review_campaign_get_for(user=request.user, campaign_id=campaign_id)
    permissions.require(request.user, Perm.SURVEYS_MANAGE, campaign.organiser)
    current = quality_settings_get(campaign=campaign)
    form = SettingsForm(request.POST or None, initial=_settings_initial(current))
    if request.method == "POST" and form.is_valid():
        try:
            quality_settings_update(
                campaign=campaign, actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            for name, message in validation_messages(exc):
                form.add_error(name if name in form.fields else None, str(message))
        else:
            messages.success(request, _("Settings saved. Recompute the flags to apply them."))
            return redirect(_queue_url(campaign))
    return render(request, "quality/settings.html", {"campaign": campaign, "form": form})
