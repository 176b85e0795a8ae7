"""Messages that must be understood whoever reads them: Vietnamese first, then English.

Screens show the reader's language; files, logs and the command line (where there is no reader's
language) show both, e.g. ``Dòng 3: thiếu mã / Row 3: code is missing``.
"""

from django.utils.text import format_lazy
from django.utils.translation import override


def bilingual(message: object) -> str:
    """Render a (lazy) translatable message in Vietnamese and English, joined by `` / ``."""
    with override("vi"):
        vi = str(message)
    with override("en"):
        en = str(message)
    return vi if vi == en else f"{vi} / {en}"


def lazy_format(template: str, **kwargs: object) -> object:
    """A message with parameters that still translates when rendered later (``format_lazy``)."""
    return format_lazy(template, **kwargs)


class _Interpolated:
    """A lazy message with %-style params, rendered in whatever language is active when printed."""

    def __init__(self, message: object, params: dict | None) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


def validation_messages(exc) -> list[tuple[str | None, object]]:
    """``(field, message)`` pairs of a ``ValidationError``, messages still translatable."""
    if hasattr(exc, "error_dict"):
        return [
            (None if name == "__all__" else name, _Interpolated(e.message, e.params))
            for name, errors in exc.error_dict.items()
            for e in errors
        ]
    return [(None, _Interpolated(e.message, e.params)) for e in exc.error_list]
