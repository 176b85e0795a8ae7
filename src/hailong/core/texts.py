"""Texts kept per language, ``{"vi": "...", "en": "..."}``, as questionnaires and campaigns store them."""

from django.utils.translation import get_language

FALLBACK_LANGUAGES = ("vi", "default", "en")


def text_in(texts: dict | None, language: str | None = None) -> str:
    """The text in ``language`` (the active one by default), else Vietnamese, else any."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    language = (language or get_language() or "vi")[:2]
    for key in (language, *FALLBACK_LANGUAGES):
        if texts.get(key):
            return texts[key]
    return next((v for v in texts.values() if v), "")
