"""Numbers and percentages the way the active language writes them (Vietnamese: 85,15%; 1.234)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format


def format_number(value: float | int | Decimal | None, decimals: int | None = None) -> str:
    if value is None:
        return "–"
    if decimals is not None:
        # Reports round half up (85,145 → 85,15), not to even; go through the decimal text of the
        # value so 85.15 is not first turned into 85.1499999….
        value = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_percent(value: float | Decimal | None, decimals: int = 2) -> str:
    """``85.1523`` → ``85,15%`` in Vietnamese, ``85.15%`` in English. ``None`` (no data) → ``–``."""
    if value is None:
        return "–"
    return f"{format_number(value, decimals)}%"
