import gzip
from functools import lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.indices.choices import RunStatus
from hailong.indices.selectors import campaign_results_get_for
from hailong.reports import charts, selectors
from hailong.reports.choices import ExportKind
from hailong.reports.exports import export_dir
from hailong.reports.services import export_request

REFRESH_SECONDS = 2


def _chart_context() -> dict:
    return {"format_locale": charts.format_locale(translation.get_language() or "vi")}


def _export_kinds(*, data: bool, unit: bool) -> list[tuple[str, str]]:
    if unit:
        return [(ExportKind.PDF, _("Download the PDF report"))]
    kinds = [
        (ExportKind.XLSX, _("Download the workbook (XLSX)")),
        (ExportKind.PDF, _("Download the PDF report")),
    ]
    if data:
        kinds += [(ExportKind.CSV, _("All figures (CSV)")), (ExportKind.JSON, _("All figures (JSON)"))]
    return kinds


@login_required
def home(request):
    permissions.require(request.user, Perm.RESULTS_VIEW)
    campaigns = selectors.dashboard_campaigns_for(user=request.user)
    units = []
    if not campaigns:
        from hailong.indices.selectors import unit_results_for

        units = unit_results_for(user=request.user, limit=50)
    return render(request, "reports/home.html", {"campaigns": campaigns, "unit_results": units})


@login_required
def campaign_dashboard(request, campaign_id: int):
    """The dashboard of the campaign's latest official done run."""
    campaign = campaign_results_get_for(user=request.user, campaign_id=campaign_id)
    run = (
        campaign.estimation_runs.filter(status=RunStatus.DONE, official=True)
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None:
        messages.info(request, _("This campaign has no finished official estimation run yet."))
        return redirect("indices:campaign", campaign.pk)
    return redirect("reports:dashboard", run.pk)


@login_required
def dashboard(request, run_id: int):
    run = selectors.dashboard_run_get_for(user=request.user, run_id=run_id)
    board = selectors.dashboard(
        run,
        group=request.GET.get("group", ""),
        dimension=request.GET.get("breakdown", ""),
        category=request.GET.get("category", ""),
        grid_page=int(page) if (page := request.GET.get("page", "1")).isdigit() else 1,
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            "run": run,
            "board": board,
            "export_kinds": _export_kinds(
                data=selectors.export_allowed(request.user, run, None, ExportKind.CSV), unit=False
            ),
            **_chart_context(),
            "jobs": selectors.export_jobs_for(user=request.user, run=run, limit=5),
            "level": run.parameters.get("level", 0.95),
        },
    )


@login_required
def scorecard(request, run_id: int, unit_id: int):
    run, unit = selectors.scorecard_get_for(user=request.user, run_id=run_id, unit_id=unit_id)
    card = selectors.scorecard(run, unit, baseline_id=request.GET.get("baseline", ""))
    search = request.GET.get("q", "").strip()[:100]
    comments, questions = selectors.unit_comments(run, unit, search=search, page=request.GET.get("page", 1))
    return render(
        request,
        "reports/scorecard.html",
        {
            "run": run,
            "unit": unit,
            "card": card,
            "comments": comments,
            "comment_questions": dict(questions),
            "search": search,
            "level": run.parameters.get("level", 0.95),
            "may_see_run": permissions.has_perm(request.user, Perm.RESULTS_VIEW, run.campaign.organiser),
            "jobs": selectors.export_jobs_for(user=request.user, run=run, unit=unit, limit=5),
            "export_kinds": _export_kinds(data=False, unit=True),
            **_chart_context(),
        },
    )


@login_required
@require_POST
def export_create(request, run_id: int):
    unit_id = request.POST.get("unit", "")
    kind = request.POST.get("kind", "")
    if unit_id:
        run, unit = selectors.scorecard_get_for(user=request.user, run_id=run_id, unit_id=int(unit_id))
    else:
        run, unit = selectors.dashboard_run_get_for(user=request.user, run_id=run_id), None
    if not selectors.export_allowed(request.user, run, unit, kind):
        raise PermissionDenied
    job = export_request(
        run=run,
        unit=unit,
        kind=kind,
        actor=request.user,
        language=translation.get_language() or "vi",
        request=request,
    )
    return redirect("reports:export", job.pk)


@login_required
def export_detail(request, job_id: int):
    job = selectors.export_job_get_for(user=request.user, job_id=job_id)
    back = (
        reverse("reports:scorecard", args=[job.run_id, job.unit_id])
        if job.unit_id
        else reverse("reports:dashboard", args=[job.run_id])
    )
    return render(
        request,
        "reports/export.html",
        {"job": job, "back": back, "refresh": REFRESH_SECONDS if job.is_active else None},
    )


@login_required
def export_download(request, job_id: int):
    job = selectors.export_job_get_for(user=request.user, job_id=job_id)
    if not job.is_done:
        raise Http404
    path = export_dir() / job.file
    if not path.is_file():
        raise Http404
    from hailong.reports.choices import EXPORT_FORMATS

    response = FileResponse(path.open("rb"), as_attachment=True, filename=job.filename)
    response["Content-Type"] = EXPORT_FORMATS[job.kind][1]
    response["Cache-Control"] = "private, no-store"
    return response


@lru_cache(maxsize=1)
def _bundle() -> tuple[bytes, bytes]:
    import vl_convert

    script = vl_convert.javascript_bundle().encode()
    return script, gzip.compress(script, 6)


def bundle_version() -> str:
    import vl_convert

    return vl_convert.__version__


def vega_bundle(request, version: str):
    """vega-embed, Vega-Lite and Vega from the installed vl-convert-python wheel (nothing third-party
    is committed), built once per process and cached by browsers for a year (the URL carries the
    wheel's version)."""
    if version != bundle_version():
        return redirect("reports:vega", bundle_version())
    script, packed = _bundle()
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(packed, content_type="text/javascript; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Vary"] = "Accept-Encoding"
    return response
