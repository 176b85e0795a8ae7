from datetime import date
from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from hailong.core.formatting import format_number, format_percent


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_vietnamese_percent_and_thousands():
    with translation.override("vi"):
        assert format_percent(85.1523) == "85,15%"
        assert format_percent(Decimal("100")) == "100,00%"
        assert format_number(1234567) == "1.234.567"
        assert format_number(3321.5, 1) == "3.321,5"
        assert format_percent(None) == "–"


def test_english_percent_and_thousands():
    with translation.override("en"):
        assert format_percent(85.1523) == "85.15%"
        assert format_number(1234567) == "1,234,567"


def test_template_filters_and_dates():
    with translation.override("vi"):
        assert render("{{ v|percent }} {{ n|number }}", v=85.15, n=10035) == "85,15% 10.035"
        assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=date(2026, 11, 23)) == "23/11/2026"
    with translation.override("en"):
        assert render("{{ v|percent:1 }}", v=85.15) == "85.2%"
