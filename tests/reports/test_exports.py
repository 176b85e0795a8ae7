"""Export jobs: the task path, progress and reuse, the PDF contents, the audit record."""

import pytest

from hailong.core.formatting import format_percent
from hailong.indices.models import EstimateValue
from hailong.reports.models import ExportJob

pytestmark = pytest.mark.django_db


def pdf_text(path) -> str:
    import pypdf

    return " ".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)


def test_a_unit_pdf_through_the_task(client, people, run, wards, django_capture_on_commit_callbacks):
    from hailong.audit.models import AuditEvent
    from hailong.reports.exports import export_dir

    client.force_login(people["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reports/runs/{run.pk}/exports/", {"kind": "pdf", "unit": wards[0].pk})
    job = ExportJob.objects.get()
    assert response.url == f"/reports/exports/{job.pk}/"
    assert job.status == "done" and job.progress == 100 and job.size > 0
    page = client.get(response.url).content.decode()
    assert f"/reports/exports/{job.pk}/file/" in page
    download = client.get(f"/reports/exports/{job.pk}/file/")
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    text = pdf_text(export_dir() / job.file)
    mine = EstimateValue.objects.get(run=run, domain="unit", unit=wards[0], kind="overall")
    assert wards[0].name in text
    assert format_percent(mine.estimate * 100, 2) in text
    assert "Phụ lục: cách tính các số liệu" in text
    event = AuditEvent.objects.get(action="results_exported")
    assert event.details["kind"] == "pdf" and event.details["unit"] == wards[0].code

    # The same request again reuses the file: a done run never changes.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/runs/{run.pk}/exports/", {"kind": "pdf", "unit": wards[0].pk})
    again = ExportJob.objects.latest("id")
    assert again.pk != job.pk and again.status == "done" and again.file == job.file


def test_the_campaign_pdf(run, people):
    from hailong.reports.exports import export_dir
    from hailong.reports.services import export_execute, export_request

    job = export_request(run=run, kind="pdf", actor=people["manager"], enqueue=False)
    assert job.status == "queued"
    job = export_execute(job=job)
    assert job.status == "done", job.error
    text = pdf_text(export_dir() / job.file)
    overall = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
    assert "Khảo sát báo cáo 2026" in text
    assert format_percent(overall.estimate * 100, 2) in text
    for value in EstimateValue.objects.filter(run=run, domain="unit", kind="overall").select_related("unit"):
        assert value.unit.name in text
    # A job runs once: executing it again changes nothing.
    assert export_execute(job=job).file == job.file


def test_a_failed_export_says_so(run, people, unit):
    from hailong.reports import exports
    from hailong.reports.services import export_execute

    # A unit the run has no figures for (made directly: the request service would refuse it).
    stranger = unit("00004")
    job = ExportJob.objects.create(
        run=run, unit=stranger, kind="pdf", filename="x.pdf", created_by=people["manager"]
    )
    job = export_execute(job=job)
    assert job.status == "failed" and job.error
    assert not job.file and not list(exports.export_dir().rglob("*.pdf"))
    assert not list(exports.export_dir().rglob("*.part"))
