"""Pages for staff who collect: interviewers' assignments, paper-form entry, the review list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign, CampaignStatus
from hailong.campaigns.selectors import campaign_get_for
from hailong.collection.formspec import form_spec
from hailong.collection.models import (
    Assignment,
    Channel,
    PaperEntry,
    RejectedSubmission,
    Response,
    ReviewStatus,
)
from hailong.collection.rendering import answers_from_post, build_sections
from hailong.collection.services import (
    PaperAlreadyEntered,
    PaperSecondEntrySamePerson,
    SubmissionInvalid,
    SubmissionRejected,
    paper_differences,
    paper_entry_save,
    paper_reconcile,
    rejection_accept,
    rejection_discard,
)
from hailong.collection.views_survey import _survey_page
from hailong.methodology.models import text_in
from hailong.units.models import Unit


@login_required
def assignment_list(request):
    permissions.require(request.user, Perm.RESPONSES_COLLECT)
    assignments = list(
        Assignment.objects.filter(interviewer=request.user, campaign__status=CampaignStatus.OPEN)
        .select_related("campaign", "unit")
        .order_by("campaign__code", "unit__name")
    )
    done = {
        (row["campaign_id"], row["unit_id"]): row["n"]
        for row in Response.objects.filter(interviewer=request.user, campaign__status=CampaignStatus.OPEN)
        .values("campaign_id", "unit_id")
        .annotate(n=Count("id"))
    }
    for assignment in assignments:
        assignment.done = done.get((assignment.campaign_id, assignment.unit_id), 0)
    paper_campaigns = permissions.scope(
        Campaign.objects.filter(status=CampaignStatus.OPEN),
        request.user,
        Perm.RESPONSES_COLLECT,
        path_field="organiser__path",
    )
    return render(
        request,
        "collection/assignments.html",
        {"assignments": assignments, "paper_campaigns": paper_campaigns},
    )


@login_required
def interview(request, assignment_id: int):
    assignment = get_object_or_404(
        Assignment.objects.select_related("campaign__version", "unit"),
        pk=assignment_id,
        interviewer=request.user,
    )
    permissions.require(request.user, Perm.RESPONSES_COLLECT, assignment.unit)
    return _survey_page(
        request,
        campaign=assignment.campaign,
        unit=assignment.unit,
        service_point=None,
        channel=Channel.INTERVIEWER,
        form_action=reverse("collect:interview", args=[assignment.pk]),
        thanks_url=reverse("collect:interview_done", args=[assignment.pk]),
        interviewer=request.user,
        extra={"interviewer_mode": True},
    )


@login_required
def interview_done(request, assignment_id: int):
    assignment = get_object_or_404(
        Assignment.objects.select_related("campaign", "unit"), pk=assignment_id, interviewer=request.user
    )
    messages.success(
        request, _("Response saved. Reference %(ref)s.") % {"ref": request.GET.get("ref", "").upper()}
    )
    return redirect("collect:interview", assignment.pk)


def _paper_units(request, campaign: Campaign) -> list[Unit]:
    units = [p.unit for p in campaign.participants.select_related("unit").order_by("unit__name")]
    return [u for u in units if permissions.has_perm(request.user, Perm.RESPONSES_COLLECT, u)]


@login_required
def paper_entry(request, campaign_id: int):
    """Fast, keyboard-only typing of returned paper forms: type the codes, Enter to save, next form."""
    campaign = get_object_or_404(
        Campaign.objects.select_related("version"), pk=campaign_id, status=CampaignStatus.OPEN
    )
    units = _paper_units(request, campaign)
    if not units:
        permissions.require(request.user, Perm.RESPONSES_COLLECT, campaign.organiser)
    spec = form_spec(campaign.version)
    answers, errors, outcome = {}, [], None
    unit_id = request.POST.get("unit") or request.GET.get("unit") or ""
    form_number = ""
    if request.method == "POST":
        form_number = request.POST.get("form_number", "").strip()
        unit = next((u for u in units if str(u.pk) == unit_id), None)
        answers = answers_from_post(spec, request.POST)
        if unit is None or not form_number:
            messages.error(request, _("Choose the unit and type the form number printed on the paper."))
        else:
            try:
                result = paper_entry_save(
                    campaign=campaign,
                    unit=unit,
                    form_number=form_number,
                    answers=answers,
                    entered_by=request.user,
                )
            except (SubmissionRejected, SubmissionInvalid) as invalid:
                errors = invalid.errors
            except PaperSecondEntrySamePerson:
                messages.error(
                    request,
                    _("Form %(n)s: the second entry must be typed by someone else.") % {"n": form_number},
                )
            except PaperAlreadyEntered:
                messages.error(request, _("Form %(n)s has already been entered.") % {"n": form_number})
            else:
                if result.differences:
                    outcome = _("Form %(n)s: second entry saved; %(d)d answer(s) differ from the first.") % {
                        "n": form_number,
                        "d": len(result.differences),
                    }
                else:
                    outcome = _("Form %(n)s saved.") % {"n": form_number}
                messages.success(request, outcome)
                return redirect(f"{reverse('collect:paper', args=[campaign.pk])}?unit={unit.pk}")
    entered = PaperEntry.objects.filter(campaign=campaign, entered_by=request.user).count()
    return render(
        request,
        "collection/paper_entry.html",
        {
            "campaign": campaign,
            "units": units,
            "unit_id": unit_id,
            "form_number": form_number,
            "sections": build_sections(spec, answers, errors),
            "errors": errors,
            "entered": entered,
            "title": text_in(spec.title),
        },
    )


@login_required
def paper_differences_report(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    spec = form_spec(campaign.version)
    rows = []
    seconds = PaperEntry.objects.filter(campaign=campaign, entry=2).select_related("response", "entered_by")
    firsts = {
        e.form_number: e
        for e in PaperEntry.objects.filter(campaign=campaign, entry=1).select_related("entered_by")
    }
    for second in seconds:
        first = firsts.get(second.form_number)
        if first is None:
            continue
        for name in paper_differences(first.answers, second.answers):
            question = spec.by_name.get(name)
            rows.append(
                {
                    "form_number": second.form_number,
                    "response": second.response,
                    "question": name,
                    "label": text_in(question.label) if question else name,
                    "first": first.answers.get(name, "–"),
                    "second": second.answers.get(name, "–"),
                    "current": second.response.answers.get(name, "–") if second.response else "–",
                    "first_by": first.entered_by,
                    "second_by": second.entered_by,
                }
            )
    missing_second = (
        PaperEntry.objects.filter(campaign=campaign, entry=1)
        .exclude(form_number__in=seconds.values("form_number"))
        .count()
    )
    return render(
        request,
        "collection/paper_differences.html",
        {"campaign": campaign, "rows": rows, "missing_second": missing_second},
    )


@login_required
@require_POST
def paper_reconcile_view(request, campaign_id: int, response_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    response = get_object_or_404(Response, pk=response_id, campaign=campaign, channel=Channel.PAPER)
    choices = {k[len("pick_") :]: v for k, v in request.POST.items() if k.startswith("pick_")}
    try:
        paper_reconcile(response=response, choices=choices, actor=request.user)
    except SubmissionRejected as rejected:
        messages.error(request, "; ".join(e.text() for e in rejected.errors))
    else:
        messages.success(request, _("Form %(n)s reconciled.") % {"n": response.paper_form_number})
    return redirect("collect:paper_differences", campaign.pk)


@login_required
def review_list(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    permissions.require(request.user, Perm.RESPONSES_REVIEW, campaign.organiser)
    status = request.GET.get("status", ReviewStatus.OPEN)
    rejections = campaign.rejections.filter(status=status).select_related("unit", "reviewed_by")
    page = Paginator(rejections, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "collection/review_list.html",
        {"campaign": campaign, "page": page, "status": status, "statuses": ReviewStatus.choices},
    )


@login_required
def review_detail(request, campaign_id: int, rejection_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    permissions.require(request.user, Perm.RESPONSES_REVIEW, campaign.organiser)
    rejection = get_object_or_404(RejectedSubmission, pk=rejection_id, campaign=campaign)
    if request.method == "POST" and rejection.status == ReviewStatus.OPEN:
        if request.POST.get("action") == "accept":
            rejection_accept(rejection=rejection, actor=request.user)
            messages.success(request, _("Kept as a response."))
        else:
            rejection_discard(rejection=rejection, actor=request.user)
            messages.success(request, _("Discarded."))
        return redirect("collect:review", campaign.pk)
    spec = form_spec(campaign.version)
    answers = [
        {
            "name": name,
            "label": text_in(spec.by_name[name].label) if name in spec.by_name else name,
            "value": value,
        }
        for name, value in (rejection.payload.get("answers") or {}).items()
    ]
    return render(
        request,
        "collection/review_detail.html",
        {"campaign": campaign, "rejection": rejection, "answers": answers},
    )
