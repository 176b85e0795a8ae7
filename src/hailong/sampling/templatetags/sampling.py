"""Template filters for proportions (0–1) on the sampling pages."""

from django import template

from hailong.core.formatting import format_number, format_percent

register = template.Library()


@register.filter
def share(value, decimals=1):
    """``0.2857`` → ``28,6%`` (Vietnamese) / ``28.6%`` (English); nothing → ``–``."""
    return format_percent(None if value is None else value * 100, int(decimals))


@register.filter
def probability(value):
    """An inclusion probability with four decimals: ``0.0286`` → ``0,0286``."""
    return "–" if value is None else format_number(value, 4)


@register.filter
def weight(value):
    """A design weight with one decimal: ``35.0`` → ``35,0``."""
    return "–" if value is None else format_number(value, 1)
