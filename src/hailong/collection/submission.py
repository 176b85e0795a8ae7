"""The JSON submission endpoint, ``POST /s/<token>/submit``, as one function and a bare WSGI app.

``handle_submission`` holds the logic and is what the Django view calls. ``submit_app`` runs it
outside Django's request cycle (no request object, URL resolver or middleware), which is what the
busiest path of the platform can afford to skip: it has no session, cookie, sign-in or page. It keeps
what matters from that cycle: the database connections are managed through the same
``request_started``/``request_finished`` signals, and an unexpected error is logged and answered
with a JSON 500.
"""

import json
import logging
import re
from datetime import datetime

from django.core import signals
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hailong.collection.links import public_link
from hailong.collection.models import Channel
from hailong.collection.services import SubmissionRejected, response_submit

MAX_JSON_BYTES = 256 * 1024
SUBMIT_PATH = re.compile(r"^/s/([^/]+)/submit$")
logger = logging.getLogger("django.request")


def _parse_time(value) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def handle_submission(token: str, raw: bytes) -> tuple[int, dict]:
    """Validate and store one JSON submission; return the HTTP status and the JSON answer."""
    if len(raw) > MAX_JSON_BYTES:
        return 413, {"error": "too_large"}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return 400, {"error": "malformed_json"}
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return 400, {"error": "answers_missing"}
    try:
        link = public_link(token)
    except Http404:
        return 404, {"error": "unknown_link"}
    try:
        submitted = response_submit(
            campaign=link.campaign,
            unit=link.unit,
            service_point=link.service_point,
            channel=Channel.QR if body.get("channel") == "qr" else Channel.WEB,
            instance_id=str(body.get("instance_id") or ""),
            answers=body["answers"],
            started_at=_parse_time(body.get("started_at")),
            completed_at=_parse_time(body.get("completed_at")),
            language=str(body.get("language") or "vi")[:8],
            public_link=link,
        )
    except SubmissionRejected as rejected:
        return 422, {"status": "rejected", "errors": [e.as_dict() for e in rejected.errors]}
    if submitted.created:
        return 201, {"status": "created", "id": str(submitted.response.uuid)}
    return 200, {"status": "duplicate", "id": str(submitted.response.uuid)}


_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            411: "Length Required", 413: "Content Too Large", 422: "Unprocessable Content", 500: "Internal Server Error"}  # fmt: skip


def submit_app(environ, start_response):
    """WSGI app for ``POST /s/<token>/submit`` (``config/wsgi.py`` routes to it)."""
    match = SUBMIT_PATH.match(environ.get("PATH_INFO", ""))
    signals.request_started.send(sender=submit_app, environ=environ)
    try:
        if match is None:
            status, payload = 404, {"error": "not_found"}
        elif environ.get("REQUEST_METHOD") != "POST":
            status, payload = 405, {"error": "method_not_allowed"}
        else:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0:
                status, payload = 411, {"error": "length_required"}
            elif length > MAX_JSON_BYTES:
                status, payload = 413, {"error": "too_large"}
            else:
                status, payload = handle_submission(match.group(1), environ["wsgi.input"].read(length))
    except Exception:
        logger.exception("Submission failed: %s", environ.get("PATH_INFO"))
        status, payload = 500, {"error": "server_error"}
    finally:
        signals.request_finished.send(sender=submit_app)
    body = json.dumps(payload).encode()
    start_response(
        f"{status} {_REASONS.get(status, '')}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
        ],
    )
    return [body]
