"""Thin views of the PAR INDEX: the unit's self-assessment, appraisal, the cycle's results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.core.messages import validation_messages
from hailong.parindex import scoring, selectors, services
from hailong.parindex.choices import AssessmentStatus, Method, UnitKind
from hailong.parindex.definition import DefinitionError
from hailong.parindex.exports import results_xlsx
from hailong.parindex.models import CriteriaSet, Score

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fail(request, exc) -> None:
    if isinstance(exc, ValidationError):
        for _field, message in validation_messages(exc):
            messages.error(request, str(message))
    else:
        messages.error(request, str(exc))


def _number(text: str) -> float | None:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValidationError(_("Enter a number.")) from None


@login_required
def home(request):
    return render(
        request,
        "parindex/home.html",
        {
            "assessments": selectors.assessments_for(request.user),
            "cycles": selectors.cycles_for(request.user),
            "may_manage": permissions.has_perm(request.user, Perm.PAR_MANAGE),
            "sets": CriteriaSet.objects.all() if permissions.has_perm(request.user, Perm.PAR_MANAGE) else [],
            "kinds": UnitKind.choices,
        },
    )


def _score_of(assessment, score_pk: int) -> Score:
    score = assessment.scores.select_related("criterion").filter(pk=score_pk).first()
    if score is None:
        raise Http404
    return score


@login_required
def assessment(request, pk: int):
    a = selectors.assessment_get_for(request.user, pk)
    lines, totals = selectors.assessment_lines(a)
    self_totals = selectors.assessment_totals(a, stage="self")
    evidence: dict[int, list] = {}
    for e in a.evidence.all():
        evidence.setdefault(e.criterion_id, []).append(e)
    is_unit = selectors.may_self_assess(request.user, a)
    manager = selectors.may_manage(request.user, a.cycle)
    appraiser = a.status != AssessmentStatus.DRAFT and selectors.may_appraise(request.user, a)
    return render(
        request,
        "parindex/assessment.html",
        {
            "a": a,
            "lines": [(ln, evidence.get(ln.criterion.pk, [])) for ln in lines],
            "totals": totals,
            "self_totals": self_totals,
            "group": scoring.group(totals.index, a.cycle.criteria_set.bands or scoring.DEFAULT_BANDS),
            "editable": is_unit and a.status == AssessmentStatus.DRAFT,
            "responding": is_unit and a.status == AssessmentStatus.APPRAISED,
            "appraising": appraiser and a.status == AssessmentStatus.SUBMITTED,
            "deciding": (appraiser or manager) and a.status == AssessmentStatus.DISPUTED,
            "manager": manager,
            "may_preliminary": (appraiser or manager) and a.status == AssessmentStatus.SUBMITTED,
            "may_finalise": manager and a.status in (AssessmentStatus.APPRAISED, AssessmentStatus.DISPUTED),
            "Method": Method,
        },
    )


@login_required
@require_POST
def score_self(request, pk: int, score_pk: int):
    a = selectors.assessment_get_for(request.user, pk)
    score = _score_of(a, score_pk)
    try:
        services.score_self_set(
            score=score,
            value=_number(request.POST.get("value", "")),
            explanation=request.POST.get("explanation", ""),
            penalties=request.POST.getlist("penalty"),
            actor=request.user,
        )
        upload = request.FILES.get("file")
        if upload is not None:
            services.evidence_upload(
                assessment=a, criterion=score.criterion, upload=upload, actor=request.user, request=request
            )
        messages.success(request, _("Saved: %(code)s") % {"code": score.criterion.code})
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
    return redirect(f"{a.get_absolute_url()}#c-{score.criterion.code}")


@login_required
@require_POST
def evidence_add(request, pk: int, score_pk: int):
    a = selectors.assessment_get_for(request.user, pk)
    score = _score_of(a, score_pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(_("Choose a file."))
        services.evidence_upload(
            assessment=a, criterion=score.criterion, upload=upload, actor=request.user, request=request
        )
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
    return redirect(f"{a.get_absolute_url()}#c-{score.criterion.code}")


def _action(request, pk: int, call, done: str):
    a = selectors.assessment_get_for(request.user, pk)
    try:
        call(a)
        messages.success(request, done)
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
    return redirect(a.get_absolute_url())


@login_required
@require_POST
def submit(request, pk: int):
    return _action(
        request,
        pk,
        lambda a: services.assessment_submit(assessment=a, actor=request.user, request=request),
        _("The self-assessment was submitted."),
    )


@login_required
@require_POST
def appraise(request, pk: int, score_pk: int):
    a = selectors.assessment_get_for(request.user, pk)
    score = _score_of(a, score_pk)
    try:
        points = _number(request.POST.get("points", ""))
        if points is None:
            raise ValidationError(_("Enter the points."))
        decide = a.status == AssessmentStatus.DISPUTED
        (services.score_decide if decide else services.score_appraise)(
            score=score,
            points=points,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            request=request,
        )
        messages.success(request, _("Saved: %(code)s") % {"code": score.criterion.code})
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
    return redirect(f"{a.get_absolute_url()}#c-{score.criterion.code}")


@login_required
@require_POST
def preliminary(request, pk: int):
    return _action(
        request,
        pk,
        lambda a: services.assessment_send_preliminary(assessment=a, actor=request.user, request=request),
        _("The preliminary result was sent to the unit."),
    )


@login_required
@require_POST
def respond(request, pk: int):
    def call(a):
        responses = {
            int(k.removeprefix("response-")): v
            for k, v in request.POST.items()
            if k.startswith("response-") and k[9:].isdigit()
        }
        services.assessment_respond(assessment=a, responses=responses, actor=request.user, request=request)

    return _action(request, pk, call, _("Your response was sent."))


@login_required
@require_POST
def finalise(request, pk: int):
    return _action(
        request,
        pk,
        lambda a: services.assessment_finalise(assessment=a, actor=request.user, request=request),
        _("The result is final."),
    )


@login_required
def lost(request, pk: int):
    a = selectors.assessment_get_for(request.user, pk)
    return render(
        request,
        "parindex/lost.html",
        {"a": a, "lines": selectors.lost_points(a), "totals": selectors.assessment_totals(a)},
    )


@login_required
def evidence_download(request, pk: int):
    evidence = selectors.evidence_get_for(request.user, pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def cycle(request, pk: int):
    c = selectors.cycle_get_for(request.user, pk)
    fields, rows = selectors.cycle_results(c)
    from hailong.indices.publication import published_campaigns

    return render(
        request,
        "parindex/cycle.html",
        {
            "cycle": c,
            "fields": fields,
            "rows": rows,
            "assessments": c.assessments.select_related("unit"),
            "publications": published_campaigns(),
        },
    )


@login_required
def cycle_xlsx(request, pk: int):
    c = selectors.cycle_get_for(request.user, pk)
    response = HttpResponse(results_xlsx(c), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="chi-so-cchc-{c.year}-{c.pk}.xlsx"'
    return response


@login_required
@require_POST
def cycle_publish(request, pk: int):
    c = selectors.cycle_get_for(request.user, pk)
    try:
        services.cycle_publish(cycle=c, actor=request.user, request=request)
        messages.success(request, _("The results are published on the public portal."))
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
    return redirect("parindex:cycle", pk=c.pk)


@login_required
@require_POST
def cycle_survey(request, pk: int):
    from hailong.indices.models import EstimationRun

    c = selectors.cycle_get_for(request.user, pk)
    run = EstimationRun.objects.filter(pk=request.POST.get("run") or 0).select_related("campaign").first()
    try:
        if run is None:
            raise ValidationError(_("Choose a published survey."))
        n = services.survey_points_apply(cycle=c, run=run, actor=request.user)
        messages.success(request, _("Survey points updated: %(n)d score(s).") % {"n": n})
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
    return redirect("parindex:cycle", pk=c.pk)


@login_required
def set_xlsx(request, pk: int):
    if not permissions.has_perm(request.user, Perm.PAR_MANAGE):
        raise Http404
    s = CriteriaSet.objects.filter(pk=pk).first()
    if s is None:
        raise Http404
    response = HttpResponse(services.criteria_set_xlsx(s), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="bo-tieu-chi-{s.year}-v{s.version}.xlsx"'
    return response


@login_required
@require_POST
def set_import(request):
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(_("Choose a file."))
        year = int(request.POST.get("year") or 0)
        kind = request.POST.get("unit_kind", "")
        if kind not in UnitKind.values or not 2000 <= year <= 2100:
            raise ValidationError(_("Choose the year and the kind of assessed units."))
        s = services.criteria_set_import(
            upload=upload,
            filename=upload.name,
            name=request.POST.get("name") or upload.name,
            year=year,
            unit_kind=kind,
            actor=request.user,
            request=request,
        )
        messages.success(request, _("Imported: %(name)s") % {"name": s})
    except DefinitionError as exc:
        for e in exc.errors:
            messages.error(request, str(e))
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
    return redirect("parindex:home")
