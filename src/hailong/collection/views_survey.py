"""The pages a citizen answers on: public links and QR codes, personal invitations.

Thin views: they read the link, turn the post into answers and call ``services.response_submit``.
"""

import uuid

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hailong.campaigns.models import CampaignStatus
from hailong.collection.formspec import form_spec
from hailong.collection.links import public_link
from hailong.collection.models import Channel, Draft, Invitation, PublicLink
from hailong.collection.rendering import answers_from_post, build_sections, survey_js_text
from hailong.collection.services import (
    SubmissionInvalid,
    draft_save,
    response_submit,
)
from hailong.collection.submission import _parse_time, handle_submission
from hailong.methodology.models import text_in


def _link(token: str) -> PublicLink:
    return public_link(token)


def _survey_page(
    request,
    *,
    campaign,
    unit,
    service_point,
    channel,
    form_action,
    thanks_url,
    public_link=None,
    invitation=None,
    interviewer=None,
    extra=None,
):
    spec = form_spec(campaign.version)
    context = {
        "campaign": campaign,
        "unit": unit,
        "service_point": service_point,
        "title": text_in(spec.title) or str(campaign),
        "form_action": form_action,
        "closed": campaign.status != CampaignStatus.OPEN,
        "web_ready": spec.web_ready,
        "js_text": survey_js_text(),
        **(extra or {}),
    }
    if request.method == "GET":
        answers, instance_id, resume_code = {}, "", ""
        code = request.GET.get("resume", "").strip().upper()
        if code:
            draft = Draft.objects.filter(code=code, campaign=campaign, unit=unit).first()
            if draft is None:
                context["resume_error"] = True
            else:
                answers, instance_id, resume_code = draft.answers, draft.instance_id, draft.code
        context.update(
            sections=build_sections(spec, answers),
            instance_id=instance_id or str(uuid.uuid4()),
            started_at=timezone.now().isoformat(),
            resume_code=resume_code,
        )
        return render(request, "collection/survey.html", context)

    # POST: save for later, or submit.
    if context["closed"]:
        return render(request, "collection/survey.html", context, status=409)
    answers = answers_from_post(spec, request.POST)
    instance_id = request.POST.get("instance_id", "").strip()[:100] or str(uuid.uuid4())
    started_at = _parse_time(request.POST.get("started_at"))
    resume_code = request.POST.get("resume_code", "").strip().upper()
    if request.POST.get("action") == "save":
        draft = draft_save(
            campaign=campaign,
            unit=unit,
            channel=channel,
            instance_id=instance_id,
            answers=answers,
            language=get_language(),
            public_link=public_link,
            invitation=invitation,
            code=resume_code or None,
        )
        context.update(
            sections=build_sections(spec, answers),
            instance_id=instance_id,
            started_at=request.POST.get("started_at", ""),
            resume_code=draft.code,
            saved=True,
            resume_url=request.build_absolute_uri(f"{form_action}?resume={draft.code}"),
        )
        return render(request, "collection/survey.html", context)
    try:
        submitted = response_submit(
            campaign=campaign,
            unit=unit,
            service_point=service_point,
            channel=channel,
            instance_id=instance_id,
            answers=answers,
            started_at=started_at,
            language=get_language(),
            public_link=public_link,
            invitation=invitation,
            interviewer=interviewer,
            keep_rejection=False,
        )
    except SubmissionInvalid as invalid:
        # Nothing is lost: the answers go back on the page, and into a draft in case the person leaves.
        draft = draft_save(
            campaign=campaign,
            unit=unit,
            channel=channel,
            instance_id=instance_id,
            answers=answers,
            language=get_language(),
            public_link=public_link,
            invitation=invitation,
            code=resume_code or None,
        )
        context.update(
            sections=build_sections(spec, answers, invalid.errors),
            errors=[e for e in invalid.errors if e.question] or invalid.errors,
            instance_id=instance_id,
            started_at=request.POST.get("started_at", ""),
            resume_code=draft.code,
        )
        return render(request, "collection/survey.html", context, status=422)
    Draft.objects.filter(instance_id=instance_id).delete()
    return redirect(f"{thanks_url}?ref={submitted.response.uuid.hex[:8]}")


def survey_by_link(request, token: str):
    link = _link(token)
    channel = Channel.QR if request.GET.get("c") == "qr" or request.POST.get("c") == "qr" else Channel.WEB
    return _survey_page(
        request,
        campaign=link.campaign,
        unit=link.unit,
        service_point=link.service_point,
        channel=channel,
        form_action=reverse("survey:link", args=[token]),
        thanks_url=reverse("survey:thanks", args=[token]),
        public_link=link,
        extra={"channel_hint": "qr" if channel == Channel.QR else ""},
    )


def survey_thanks(request, token: str):
    link = _link(token)
    return render(
        request,
        "collection/thanks.html",
        {"campaign": link.campaign, "unit": link.unit, "reference": request.GET.get("ref", "")[:8]},
    )


def survey_by_invitation(request, token: str):
    invitation = get_object_or_404(
        Invitation.objects.select_related("campaign__version", "unit"), token=token
    )
    if invitation.used_at is not None and request.method == "GET":
        return render(
            request, "collection/invitation_used.html", {"campaign": invitation.campaign}, status=410
        )
    return _survey_page(
        request,
        campaign=invitation.campaign,
        unit=invitation.unit,
        service_point=None,
        channel=Channel.INVITATION,
        form_action=reverse("survey:invitation", args=[token]),
        thanks_url=reverse("survey:invitation_thanks", args=[token]),
        invitation=invitation,
    )


def invitation_thanks(request, token: str):
    invitation = get_object_or_404(Invitation.objects.select_related("campaign", "unit"), token=token)
    return render(
        request,
        "collection/thanks.html",
        {
            "campaign": invitation.campaign,
            "unit": invitation.unit,
            "reference": request.GET.get("ref", "")[:8],
        },
    )


@csrf_exempt  # a public endpoint with no session: the link token and the instance id are the keys
@require_POST
def submit_json(request, token: str):
    """Submit a whole response as JSON (used by the enhanced form, kiosks and other clients).

    201 stored; 200 already stored (same instance id); 422 invalid — kept for review; 400 malformed;
    404 unknown link; 413 too large. In production ``config/wsgi.py`` sends these requests to
    ``submission.submit_app`` (the same ``handle_submission``) without the Django request cycle.
    """
    status, payload = handle_submission(token, request.body)
    return JsonResponse(payload, status=status)
