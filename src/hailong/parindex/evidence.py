"""Evidence files: type checked by content (magic bytes), size limited, stored under a random name,
served only through the permission-checked view (attachment, nosniff)."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

OFFICE_ZIP = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
OFFICE_OLE = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}


def max_bytes() -> int:
    return int(getattr(settings, "HAILONG_PAR_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(head: bytes, filename: str) -> str | None:
    """The content type of an accepted file from its first bytes (and, for office files, its suffix)."""
    suffix = Path(filename).suffix.lower()
    if head.startswith(b"%PDF-"):
        return "application/pdf" if suffix == ".pdf" else None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png" if suffix == ".png" else None
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg" if suffix in (".jpg", ".jpeg") else None
    if head.startswith(b"PK\x03\x04"):
        return OFFICE_ZIP.get(suffix)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OFFICE_OLE.get(suffix)
    return None


def check_upload(upload) -> tuple[str, int]:
    size = upload.size
    if size > max_bytes():
        raise ValidationError(
            _("The file is larger than %(mb)d MB."), params={"mb": max_bytes() // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head, upload.name)
    if content_type is None:
        raise ValidationError(
            _(
                "Only PDF, PNG, JPEG and office documents (Word, Excel, PowerPoint, OpenDocument) are accepted."
            )
        )
    return content_type, size
