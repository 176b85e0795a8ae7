"""Filters for the portal's HTML bars: a proportion (0–1) as a CSS percentage with a dot."""

from django import template

register = template.Library()


@register.filter
def css_pct(value) -> str:
    """``0.8515`` → ``85.15%`` for a style attribute (never the locale's comma); clamped to 0–100."""
    if value is None:
        return "0%"
    return f"{min(max(float(value), 0.0), 1.0) * 100:.2f}%"
