from django import template

from hailong.core.formatting import format_number, format_percent
from hailong.core.texts import text_in

register = template.Library()


@register.filter
def percent(value, decimals=2):
    return format_percent(value, int(decimals))


@register.filter
def number(value, decimals=None):
    return format_number(value, None if decimals is None else int(decimals))


@register.filter
def minutes(value):
    """A timedelta as whole minutes (rounded up), for "try again in N minutes"."""
    if value is None:
        return ""
    seconds = value.total_seconds()
    return int(-(-seconds // 60))


@register.filter
def text(value):
    """``{{ question.label|text }}``: a per-language text in the reader's language."""
    return text_in(value)
