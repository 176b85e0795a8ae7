"""Template filters for estimates stored as proportions (0–1)."""

from django import template

from hailong.core.formatting import format_number, format_percent

register = template.Library()


@register.filter
def share(value, decimals=2):
    """``0.851523`` → ``85,15%`` (Vietnamese) / ``85.15%`` (English); no estimate → ``–``."""
    return format_percent(None if value is None else value * 100, int(decimals))


@register.filter
def points(value, decimals=2):
    """A difference of proportions in percentage points with its sign: ``+3,20`` / ``−1,05``."""
    if value is None:
        return "–"
    text = format_number(abs(value) * 100, int(decimals))
    if text.strip("0,.") == "":
        return f"±{text}"
    return f"+{text}" if value > 0 else f"−{text}"


@register.filter
def letters(groups):
    """Group numbers → letters, as in a compact letter display: ``[1, 2]`` → ``a b``."""
    if not groups:
        return "–"
    return " ".join(chr(96 + g) if 1 <= g <= 26 else str(g) for g in groups)


@register.filter
def pp(value, decimals=2):
    """A proportion's standard error in percentage points, without sign: ``0.0123`` → ``1,23``."""
    return "–" if value is None else format_number(value * 100, int(decimals))
