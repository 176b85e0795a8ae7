"""Skip-logic and constraint expressions: the subset of ODK XPath that XLSForms use.

Questionnaires imported from XLSForm carry expressions in their ``relevant``, ``constraint``,
``calculation``, ``choice_filter`` and ``required`` columns. They are parsed once, here, into a
JSON-serialisable tree (the AST) that two small interpreters with identical semantics evaluate:
:func:`evaluate` on the server (every submission is validated) and
``static/methodology/expressions.js`` in the browser (questions are hidden as the respondent types).
The shared vectors in ``tests/methodology/expression_vectors.json`` keep the two in step.

Grammar
-------
Lowest to highest precedence; binary operators are left-associative::

    expr     := or
    or       := and ("or" and)*
    and      := equality ("and" equality)*
    equality := relation (("=" | "!=") relation)*
    relation := additive (("<" | "<=" | ">" | ">=") additive)*
    additive := multiply (("+" | "-") multiply)*
    multiply := unary (("*" | "div" | "mod") unary)*
    unary    := "-" unary | primary
    primary  := NUMBER | STRING | "${" NAME "}" | "." | "(" expr ")" | FUNCTION "(" [expr ("," expr)*] ")"

NUMBER is ``3``, ``3.5``, ``3.`` or ``.5`` (no sign, no exponent); STRING is ``'…'`` or ``"…"``
without escapes (XPath 1.0 has none); whitespace is space, tab, CR and LF. Function names may
contain letters, digits, ``_``, ``-``, ``.`` and ``:`` (so ``count-selected`` is one name, while in
``${a}-1`` the ``-`` is a subtraction). ``and``, ``or``, ``div`` and ``mod`` are operators wherever
an operator can stand. Other XPath — paths (``/data/x``, ``../x``, ``x``), predicates, ``@``,
``|``, ``instance(…)`` — is rejected with an :class:`ExpressionError`.

AST
---
Nested lists whose first item names the node; every leaf is a str, int or float, so ``json.dumps``
works as is. The shapes are stable (the browser receives them):

===========================  ==========================================================
``["num", 3]``               number literal (int when written without a ".", else float)
``["str", "yes"]``           string literal
``["ref", "age"]``           ``${age}``
``["cur"]``                  ``.``, the value of the question being checked
``["col", "state"]``         a choices-sheet column (only in a ``choice_filter``)
``["neg", A]``               ``-A``
``["bin", op, A, B]``        ``op`` is one of ``or and = != < <= > >= + - * div mod``
``["call", name, [A, …]]``   function call; ``string()``, ``number()``, ``string-length()``
                             and ``normalize-space()`` without argument get ``["cur"]``
===========================  ==========================================================

Values
------
An expression evaluates to one of: ``str``; ``float`` (every number is an IEEE double, as in
XPath and JavaScript; integral answers become floats too); ``bool``; ``list[str]`` (a
multiple-choice answer); ``datetime.date`` (from ``today()``/``date()``); ``datetime.datetime``
(from ``now()``, naive wall-clock time). In JavaScript dates are ``{t: "date", ms}`` and
``{t: "datetime", ms}`` (milliseconds since 1970-01-01 on the wall clock); ``HailongExpr.string``
turns them into text.

Answers are read as the platform stores them: ``str`` (text, single choice, ``"YYYY-MM-DD"``
dates, times), ``int``/``float``, ``list[str]`` or a space-separated ``str`` for multiple choice.
A missing or ``None`` answer reads as ``""``, as in ODK. Answers are values, not XPath node-sets:
``boolean(${x})`` is true only when ``${x}`` is answered.

Semantics
---------
Conversions (XPath 1.0, with ODK's dates):

* ``string()``: numbers as JavaScript prints them (``3``, ``0.5``, ``1e+21``, ``NaN``,
  ``Infinity``); ``true``/``false``; lists space-joined; dates ``YYYY-MM-DD``; date-times
  ``YYYY-MM-DDTHH:MM:SS``.
* ``number()``: decimal text ``[-]digits[.digits]`` (surrounding whitespace allowed) → its value;
  a date ``YYYY-MM-DD`` or date-time ``YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`` (string or date
  value) → days since 1970-01-01 (fractional with a time; a zone offset is ignored: wall clock);
  booleans → 1/0; anything else, including ``""``, → NaN. Reading date strings as days is what
  makes ``${dob} < today()`` and ``(today() - ${dob}) div 365.25`` work even though answers are
  stored as text (ODK types them as dates).
* ``boolean()`` (:func:`truthy`): non-empty string or list, number other than 0 and NaN, any date.

Operators:

* ``=``/``!=``: if either side is a boolean, compare as booleans; else if either is a number or a
  date, compare numerically (so ``today() = '2026-11-23'`` holds; NaN equals nothing, and
  ``!=`` is always the negation of ``=``); else compare as strings (a list as its space-joined text).
* ``< <= > >=``: numeric after ``number()`` (dates compare as days); NaN makes them false.
* ``+ - * div mod``: on ``number()`` of each side; ``div`` is true division (``1 div 0`` is
  Infinity, ``0 div 0`` NaN); ``mod`` keeps the sign of the dividend (JavaScript ``%``).
* ``and``/``or`` short-circuit and return booleans; ``if()`` evaluates only the chosen branch.

Functions (``S`` = string(), ``N`` = number() of the argument):

* ``selected(list, value)``: ``S(value)`` (trimmed) is one of the list's items (a string is split
  on whitespace); ``count-selected(list)``: number of items.
* ``string-length``, ``string``, ``number``, ``boolean``, ``not``, ``true()``, ``false()``,
  ``concat(…)``, ``contains``, ``starts-with``, ``ends-with``, ``substring-before``,
  ``substring-after``, ``normalize-space``, ``translate``: as XPath 1.0, counting characters as
  Unicode code points in both interpreters.
* ``substr(s, start[, end])``: ODK's 0-based, end-exclusive substring; negative indexes count from
  the end (Python slices, JavaScript ``slice``).
* ``regex(s, pattern)``: ``re.search`` (with ``re.ASCII``, and ``$`` meaning only the very end) in
  Python, ``RegExp.test`` without flags in JavaScript. Patterns must keep to the dialect both share:
  literals, ``.``, classes ``[…]``, ``\\d \\w \\s \\b`` (ASCII; JavaScript's ``\\s`` also matches
  Unicode spaces), quantifiers ``* + ? {m,n}`` and lazy forms, anchors ``^ $``, groups
  ``(…)``/``(?:…)``, alternation. ``.`` counts UTF-16 units in JavaScript, so characters outside the
  Basic Multilingual Plane (emoji) may differ. A literal pattern that Python cannot compile is an
  :class:`ExpressionError`; a pattern computed at run time that cannot be compiled makes the result
  false.
* ``if(c, a, b)``; ``coalesce(a, b, …)``: the first argument whose ``S`` is not empty, else the last.
* ``int`` (truncates toward zero), ``round(x[, digits])`` (half away from zero), ``abs``,
  ``floor``, ``ceiling``, ``pow`` (JavaScript ``Math.pow``), ``min(…)``/``max(…)`` (NaN if any
  argument is NaN).
* ``today()`` → date; ``now()`` → date-time; ``date(x)``: a date string, date-time or number of
  days → date (NaN when ``x`` is none of these, or outside years 1–9999).

Examples
--------
>>> ast = compile_expression("${age} >= 18 and selected(${reasons}, 'other')")
>>> evaluate(ast, {"age": 20, "reasons": ["price", "other"]})
True
>>> sorted(references(ast))
['age', 'reasons']
"""

import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

__all__ = [
    "ExpressionError",
    "compile_expression",
    "evaluate",
    "references",
    "truthy",
    "uses_current",
]

Ast = list[Any]
Value = str | float | bool | list[str] | date | datetime

NAN: Final = math.nan
DAY_MS: Final = 86_400_000
EPOCH: Final = date(1970, 1, 1)

# ---------------------------------------------------------------------------------------------------
# Errors


class ExpressionError(ValueError):
    """An expression that cannot be compiled: a syntax error or a function outside the subset.

    ``position`` is the 0-based offset in ``expression`` where the problem starts (None when it has
    no single place). ``unsupported_function`` is set when the expression is well formed and the only
    problem is a function this engine does not provide (e.g. ``pulldata``), so an importer can say
    which feature of the form is not supported rather than that the form is broken.
    """

    def __init__(
        self,
        expression: str,
        message: str,
        position: int | None = None,
        *,
        unsupported_function: str | None = None,
    ) -> None:
        super().__init__(message)
        self.expression = expression
        self.message = message
        self.position = position
        self.unsupported_function = unsupported_function


# ---------------------------------------------------------------------------------------------------
# Tokenizer


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # num, str, ref, cur, name, op, path, end
    text: str  # the value: digits, string contents, question or function name, operator
    pos: int


_WHITESPACE = re.compile(r"[ \t\r\n]+")
_QUESTION_NAME = re.compile(r"[^\W\d][\w.-]*")
_TOKEN = re.compile(
    r"""
      (?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
    | (?P<path>\.\.|//?|@|\[|\]|\||::)          # XPath location paths: refused by the parser
    | (?P<cur>\.)
    | (?P<name>[^\W\d][\w.:-]*)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op>!=|<=|>=|[=<>+\-*(),])
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> Iterator[_Token]:
    pos = 0
    while pos < len(text):
        if space := _WHITESPACE.match(text, pos):
            pos = space.end()
        elif text.startswith("${", pos):
            yield _reference_token(text, pos)
            pos = text.index("}", pos) + 1
        elif match := _TOKEN.match(text, pos):
            kind = match.lastgroup or ""
            value = match.group()[1:-1] if kind == "str" else match.group()
            yield _Token(kind, value, pos)
            pos = match.end()
        elif text[pos] in "'\"":
            raise ExpressionError(text, f"unclosed string starting at position {pos}", pos)
        else:
            raise ExpressionError(text, f'unexpected "{text[pos]}" at position {pos}', pos)
    yield _Token("end", "", len(text))


def _reference_token(text: str, pos: int) -> _Token:
    close = text.find("}", pos)
    if close < 0:
        raise ExpressionError(text, f'unclosed "${{" at position {pos}', pos)
    name = text[pos + 2 : close].strip()
    if not _QUESTION_NAME.fullmatch(name):
        raise ExpressionError(text, f'invalid question name "{name}" at position {pos}', pos)
    return _Token("ref", name, pos)


# ---------------------------------------------------------------------------------------------------
# Parser

# (least, most) arguments; None = any number.
_ARITY: Final[dict[str, tuple[int, int | None]]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (0, 1),
    "string": (0, 1),
    "number": (0, 1),
    "int": (1, 1),
    "round": (1, 2),
    "concat": (0, None),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "substr": (2, 3),
    "substring-before": (2, 2),
    "substring-after": (2, 2),
    "normalize-space": (0, 1),
    "translate": (3, 3),
    "regex": (2, 2),
    "if": (3, 3),
    "coalesce": (2, None),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "today": (0, 0),
    "now": (0, 0),
    "date": (1, 1),
    "abs": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "pow": (2, 2),
    "floor": (1, 1),
    "ceiling": (1, 1),
}
# XPath reads these with no argument as applying to the context node: here, the current answer.
_CONTEXT_DEFAULT: Final = frozenset({"string", "number", "string-length", "normalize-space"})

_LEVELS: Final = (
    ("or",),
    ("and",),
    ("=", "!="),
    ("<", "<=", ">", ">="),
    ("+", "-"),
    ("*", "div", "mod"),
)
_WORD_OPERATORS: Final = frozenset({"or", "and", "div", "mod"})
_PATH_HINT = "paths are not supported, write ${name} for a question and . for the current answer"


class _Parser:
    def __init__(self, text: str, *, choice_columns: bool = False) -> None:
        self.text = text
        # In a choice_filter, a bare name is a column of the choices sheet (``state = ${state}``).
        self.choice_columns = choice_columns
        self.tokens = list(_tokens(text))
        self.index = 0
        # The first unknown function; reported only once the whole expression has parsed, so that
        # a syntax error elsewhere is not mistaken for a mere missing feature.
        self.unsupported: _Token | None = None

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.token
        self.index += 1
        return token

    def fail(self, message: str, token: _Token | None = None) -> ExpressionError:
        token = token or self.token
        return ExpressionError(self.text, message, token.pos)

    def unexpected(self, token: _Token | None = None) -> ExpressionError:
        token = token or self.token
        if token.kind == "end":
            return self.fail("unexpected end of expression", token)
        if token.kind == "path":
            return self.fail(f'unexpected "{token.text}" at position {token.pos}: {_PATH_HINT}', token)
        if token.kind == "name" and token.text not in _WORD_OPERATORS:
            # A bare name is an XPath child path; most often it is text that lost its quotes.
            name, pos = token.text, token.pos
            return self.fail(
                f"unexpected name \"{name}\" at position {pos}: write '{name}' for text or ${{{name}}} for a question",
                token,
            )
        shown = {"str": f"'{token.text}'", "ref": f"${{{token.text}}}"}.get(token.kind, token.text)
        return self.fail(f'unexpected "{shown}" at position {token.pos}', token)

    def expect(self, kind: str, text: str) -> None:
        if self.token.kind != kind or self.token.text != text:
            raise self.unexpected()
        self.advance()

    def parse(self) -> Ast:
        tree = self.binary(0)
        if self.token.kind != "end":
            raise self.unexpected()
        if self.unsupported:
            name = self.unsupported.text
            raise ExpressionError(
                self.text, f'unknown function "{name}"', self.unsupported.pos, unsupported_function=name
            )
        return tree

    def operator(self) -> str | None:
        token = self.token
        if token.kind == "op" or (token.kind == "name" and token.text in _WORD_OPERATORS):
            return token.text
        return None

    def binary(self, level: int) -> Ast:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (op := self.operator()) in _LEVELS[level]:
            self.advance()
            left = ["bin", op, left, self.binary(level + 1)]
        return left

    def unary(self) -> Ast:
        if self.token.kind == "op" and self.token.text == "-":
            self.advance()
            return ["neg", self.unary()]
        return self.primary()

    def primary(self) -> Ast:
        token = self.advance()
        if token.kind == "num":
            return ["num", float(token.text) if "." in token.text else int(token.text)]
        if token.kind == "str":
            return ["str", token.text]
        if token.kind == "ref":
            return ["ref", token.text]
        if token.kind == "cur":
            return ["cur"]
        if token.kind == "op" and token.text == "(":
            inner = self.binary(0)
            self.expect("op", ")")
            return inner
        if token.kind == "name" and self.token.kind == "op" and self.token.text == "(":
            return self.call(token)
        if token.kind == "name" and self.choice_columns and token.text not in _WORD_OPERATORS:
            return ["col", token.text]
        raise self.unexpected(token)

    def call(self, name: _Token) -> Ast:
        self.advance()  # "("
        if name.text not in _ARITY:
            # Its arguments may be XPath this engine cannot read (position(..), instance('x')/root):
            # skip them, and any path after the call, so that the function is what gets reported.
            self.unsupported = self.unsupported or name
            self.skip_arguments()
            self.skip_path()
            return ["call", name.text, []]
        args: list[Ast] = []
        positions: list[int] = []
        if not (self.token.kind == "op" and self.token.text == ")"):
            while True:
                positions.append(self.token.pos)
                args.append(self.binary(0))
                if not (self.token.kind == "op" and self.token.text == ","):
                    break
                self.advance()
        self.expect("op", ")")
        self.check_arity(name, len(args))
        if not args and name.text in _CONTEXT_DEFAULT:
            args = [["cur"]]
        if name.text == "regex" and args[1][0] == "str":
            self.check_pattern(args[1][1], positions[1])
        return ["call", name.text, args]

    def skip_arguments(self) -> None:
        depth = 1
        while depth:
            token = self.advance()
            if token.kind == "end":
                raise self.unexpected(token)
            if token.kind == "op" and token.text in ("(", ")"):
                depth += 1 if token.text == "(" else -1

    def check_arity(self, name: _Token, count: int) -> None:
        least, most = _ARITY[name.text]
        if least <= count and (most is None or count <= most):
            return
        if most is None:
            wanted = f"at least {least}"
        elif least == most:
            wanted = str(least)
        else:
            wanted = f"{least} to {most}"
        plural = "" if wanted == "1" else "s"
        raise self.fail(f'function "{name.text}" takes {wanted} argument{plural}, got {count}', name)

    def check_pattern(self, pattern: str, pos: int) -> None:
        try:
            _regex(pattern)
        except re.error as error:
            raise ExpressionError(
                self.text, f'invalid regular expression "{pattern}": {error.msg}', pos
            ) from None

    def skip_path(self) -> None:
        depth = 0
        while self.token.kind == "path" or (depth and self.token.kind != "end"):
            text = self.advance().text
            depth += (text == "[") - (text == "]")
            # After "/" or "@" comes a step: a name, "*", "." or "..".
            step = self.token.kind in ("name", "cur") or self.token.text == "*"
            if depth == 0 and text in ("/", "//", "@", "::") and step:
                self.advance()


def compile_expression(text: str, *, choice_columns: bool = False) -> Ast | None:
    """Parse ``text`` into an AST (see the module docstring); None when it is empty or blank.

    With ``choice_columns`` (a ``choice_filter``), a bare name is a column of the choice being
    filtered, ``["col", name]``, read from ``evaluate(..., choice=...)``.
    Raises :class:`ExpressionError` on a syntax error or an unsupported function.
    """
    if not text or not text.strip():
        return None
    try:
        return _Parser(text, choice_columns=choice_columns).parse()
    except RecursionError:  # hundreds of nested parentheses: no form needs them
        raise ExpressionError(text, "expression is nested too deeply") from None


def _children(node: Ast) -> list[Ast]:
    kind = node[0]
    if kind == "neg":
        return [node[1]]
    if kind == "bin":
        return [node[2], node[3]]
    if kind == "call":
        return list(node[2])
    return []


def _walk(node: Ast) -> Iterator[Ast]:
    yield node
    for child in _children(node):
        yield from _walk(child)


def references(ast: Ast | None) -> set[str]:
    """The question names the expression reads with ``${name}``."""
    return {node[1] for node in _walk(ast) if node[0] == "ref"} if ast else set()


def uses_current(ast: Ast | None) -> bool:
    """Whether the expression reads ``.``, the answer being checked (as constraints do)."""
    return any(node[0] == "cur" for node in _walk(ast)) if ast else False


# ---------------------------------------------------------------------------------------------------
# Conversions

_DECIMAL = re.compile(r"[ \t\r\n]*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t\r\n]*")
_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_MIN_DAYS: Final = (date.min - EPOCH).days
_MAX_DAYS: Final = (date.max - EPOCH).days


def _value(raw: object) -> Value:
    """An answer (or the current value) as an expression value."""
    if raw is None:
        return ""
    if isinstance(raw, bool | str | datetime | date):
        return _wall_clock(raw) if isinstance(raw, datetime) else raw
    if isinstance(raw, int | float | Decimal):
        return float(raw)
    if isinstance(raw, list | tuple):
        return [text for item in raw if (text := _string(_value(item)))]
    return str(raw)


def _wall_clock(moment: datetime) -> datetime:
    # Milliseconds are all JavaScript keeps; the zone is dropped so both sides read the wall clock.
    return moment.replace(tzinfo=None, microsecond=moment.microsecond // 1000 * 1000)


def _date_days(day: date) -> int:
    return (day - EPOCH).days


def _datetime_ms(moment: datetime) -> int:
    time_ms = ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1000
    return _date_days(moment.date()) * DAY_MS + time_ms + moment.microsecond // 1000


def _date_string_ms(text: str) -> int | None:
    """Milliseconds since 1970-01-01 (wall clock) of a date or date-time string, else None."""
    match = _DATE.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(group or 0) for group in match.groups()[:6])
    try:
        days = _date_days(date(year, month, day))
    except ValueError:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    millis = int(((match.group(7) or "") + "000")[:3])
    return days * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis


def _number(value: Value) -> float:
    """XPath number(), reading dates as days since 1970-01-01."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return _datetime_ms(value) / DAY_MS
    if isinstance(value, date):
        return float(_date_days(value))
    text = _string(value)
    if _DECIMAL.fullmatch(text):
        return float(text)
    millis = _date_string_ms(text)
    return NAN if millis is None else millis / DAY_MS


def _number_to_string(number: float) -> str:
    """The number as JavaScript's String() writes it, so both interpreters print the same text."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr() gives the shortest digits that round-trip, as JavaScript does; only the layout differs.
    _, digit_tuple, exponent = Decimal(repr(abs(number))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent = int(exponent) + len(digit_tuple) - len(digits)
    k, n = len(digits), int(exponent) + len(digits)  # value = 0.<digits> × 10^n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = f"0.{'0' * -n}{digits}"
    else:
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + text


def _string(value: Value) -> str:
    """XPath string()."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_to_string(float(value))
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def truthy(value: object) -> bool:
    """XPath boolean(): a non-empty string or list, a number other than 0 and NaN, any date."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str | list | tuple):
        return len(value) > 0
    return value is not None


def _items(value: Value) -> list[str]:
    if isinstance(value, list):
        return value
    return [item for item in _WHITESPACE.split(_string(value)) if item]


def _date_from_days(days: float) -> date | float:
    if not math.isfinite(days) or not _MIN_DAYS <= math.floor(days) <= _MAX_DAYS:
        return NAN
    return EPOCH + timedelta(days=math.floor(days))


def _to_date(value: Value) -> date | float:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _date_from_days(_number(value))


# ---------------------------------------------------------------------------------------------------
# Arithmetic with JavaScript's results where Python would raise


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return NAN
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _modulo(a: float, b: float) -> float:
    try:
        return math.fmod(a, b)  # the sign of the dividend, as JavaScript's %
    except ValueError:  # x mod 0, Infinity mod x
        return NAN


def _odd_integer(x: float) -> bool:
    return math.isfinite(x) and x == math.floor(x) and math.fmod(x, 2) != 0


def _pow(a: float, b: float) -> float:
    """Math.pow: unlike math.pow, 1 ** NaN and (±1) ** Infinity are NaN, and nothing raises."""
    if math.isnan(b):
        return NAN
    if b == 0:
        return 1.0
    if math.isinf(b) and abs(a) == 1:
        return NAN
    negative = math.copysign(1.0, a) < 0 and _odd_integer(b)
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if negative else math.inf
    except ValueError:  # 0 ** negative → ±Infinity; negative ** fraction → NaN
        if a == 0:
            return -math.inf if negative else math.inf
        return NAN


def _whole(x: float, rounding: Callable[[float], int]) -> float:
    return float(rounding(x)) if math.isfinite(x) else x


def _round(x: float, digits: float = 0.0) -> float:
    """Half away from zero, as ODK; scaling by an exact power of ten written as text (1e{n}),
    which both languages parse to the same double."""
    if math.isnan(digits):
        return NAN
    places = math.trunc(max(-308.0, min(308.0, digits)))
    scale = float(f"1e{abs(places)}")
    scaled = abs(x) * scale if places >= 0 else abs(x) / scale
    if not math.isfinite(scaled):  # NaN, Infinity, or more places than a double has
        return x
    whole = math.floor(scaled + 0.5)
    result = whole / scale if places >= 0 else whole * scale
    return -result if x < 0 else result


def _index(x: float, length: int) -> int:
    # JavaScript's slice(): NaN is 0, fractions truncate, ±Infinity clamp; negatives count from the end.
    if math.isnan(x):
        return 0
    return int(max(-length, min(length, x if math.isinf(x) else math.trunc(x))))


def _extreme(pick: Callable[..., float], numbers: list[float]) -> float:
    return NAN if any(math.isnan(n) for n in numbers) else pick(numbers)


def _translate(text: str, source: str, target: str) -> str:
    out = []
    for char in text:
        where = source.find(char)
        if where < 0:
            out.append(char)
        elif where < len(target):
            out.append(target[where])
    return "".join(out)


def _substring_before(text: str, part: str) -> str:
    where = text.find(part)
    return text[:where] if where >= 0 else ""


def _substring_after(text: str, part: str) -> str:
    where = text.find(part)
    return text[where + len(part) :] if where >= 0 else ""


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    """Compile with JavaScript's meaning: ASCII classes, and "$" only at the very end (Python's "$"
    also matches before a final newline)."""
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
    return re.compile("".join(out), re.ASCII)


def _regex_test(text: str, pattern: str) -> bool:
    try:
        return _regex(pattern).search(text) is not None
    except re.error:
        return False


# ---------------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True, slots=True)
class _Context:
    answers: Mapping[str, object]
    current: Value
    today: date
    now: datetime
    choice: Mapping[str, object]


_S, _N = _string, _number
# Every function but if() (whose branches are evaluated lazily): (evaluated arguments, context) → value.
_FUNCTIONS: Final[dict[str, Callable[[list[Value], _Context], Value]]] = {
    "selected": lambda a, _: _S(a[1]).strip(" \t\r\n") in _items(a[0]),
    "count-selected": lambda a, _: float(len(_items(a[0]))),
    "string-length": lambda a, _: float(len(_S(a[0]))),
    "string": lambda a, _: _S(a[0]),
    "number": lambda a, _: _N(a[0]),
    "int": lambda a, _: _whole(_N(a[0]), math.trunc),
    "round": lambda a, _: _round(_N(a[0]), _N(a[1]) if len(a) > 1 else 0.0),
    "concat": lambda a, _: "".join(_S(v) for v in a),
    "contains": lambda a, _: _S(a[1]) in _S(a[0]),
    "starts-with": lambda a, _: _S(a[0]).startswith(_S(a[1])),
    "ends-with": lambda a, _: _S(a[0]).endswith(_S(a[1])),
    "substr": lambda a, _: _substr(_S(a[0]), _N(a[1]), _N(a[2]) if len(a) > 2 else math.inf),
    "substring-before": lambda a, _: _substring_before(_S(a[0]), _S(a[1])),
    "substring-after": lambda a, _: _substring_after(_S(a[0]), _S(a[1])),
    "normalize-space": lambda a, _: _WHITESPACE.sub(" ", _S(a[0])).strip(" "),
    "translate": lambda a, _: _translate(_S(a[0]), _S(a[1]), _S(a[2])),
    "regex": lambda a, _: _regex_test(_S(a[0]), _S(a[1])),
    "coalesce": lambda a, _: next((v for v in a[:-1] if _S(v) != ""), a[-1]),
    "not": lambda a, _: not truthy(a[0]),
    "true": lambda a, _: True,
    "false": lambda a, _: False,
    "boolean": lambda a, _: truthy(a[0]),
    "today": lambda a, ctx: ctx.today,
    "now": lambda a, ctx: ctx.now,
    "date": lambda a, _: _to_date(a[0]),
    "abs": lambda a, _: abs(_N(a[0])),
    "min": lambda a, _: _extreme(min, [_N(v) for v in a]),
    "max": lambda a, _: _extreme(max, [_N(v) for v in a]),
    "pow": lambda a, _: _pow(_N(a[0]), _N(a[1])),
    "floor": lambda a, _: _whole(_N(a[0]), math.floor),
    "ceiling": lambda a, _: _whole(_N(a[0]), math.ceil),
}


def _substr(text: str, start: float, end: float) -> str:
    return text[_index(start, len(text)) : _index(end, len(text))]


_RELATIONAL: Final = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_ARITHMETIC: Final = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "div": _divide,
    "mod": _modulo,
}


def _equal(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return truthy(a) == truthy(b)
    if _is_numeric(a) or _is_numeric(b):
        return _number(a) == _number(b)  # NaN == anything is False
    return _string(a) == _string(b)


def _is_numeric(value: Value) -> bool:
    return isinstance(value, int | float | date)  # datetime is a date


def _binary(op: str, left: Ast, right: Ast, ctx: _Context) -> Value:
    if op == "or":
        return truthy(_eval(left, ctx)) or truthy(_eval(right, ctx))
    if op == "and":
        return truthy(_eval(left, ctx)) and truthy(_eval(right, ctx))
    a, b = _eval(left, ctx), _eval(right, ctx)
    if op == "=":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op in _RELATIONAL:
        return _RELATIONAL[op](_number(a), _number(b))
    if op in _ARITHMETIC:
        return _ARITHMETIC[op](_number(a), _number(b))
    raise ValueError(f"not an operator: {op!r}")


def _eval(node: Ast, ctx: _Context) -> Value:
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "str":
        return node[1]
    if kind == "ref":
        return _value(ctx.answers.get(node[1]))
    if kind == "cur":
        return ctx.current
    if kind == "col":
        return _value(ctx.choice.get(node[1]))
    if kind == "neg":
        return -_number(_eval(node[1], ctx))
    if kind == "bin":
        return _binary(node[1], node[2], node[3], ctx)
    if kind == "call" and node[1] == "if":
        condition, then, otherwise = node[2]
        return _eval(then if truthy(_eval(condition, ctx)) else otherwise, ctx)
    if kind == "call" and node[1] in _FUNCTIONS:
        return _FUNCTIONS[node[1]]([_eval(arg, ctx) for arg in node[2]], ctx)
    raise ValueError(f"not an expression node: {node!r}")


def evaluate(
    ast: Ast,
    answers: Mapping[str, object],
    current: object = None,
    *,
    today: date | None = None,
    now: datetime | None = None,
    choice: Mapping[str, object] | None = None,
) -> Value:
    """Evaluate a compiled expression.

    ``choice`` holds the columns of the choice a ``choice_filter`` is testing (name, label, …).

    ``answers`` maps question names to stored answers; ``current`` is the answer ``.`` stands for.
    ``today()``/``now()`` return ``today``/``now`` when given; otherwise this machine's local clock
    (pass ``django.utils.timezone.localdate()``/``localtime()`` to use the project's time zone).
    An aware ``now`` is read on its own wall clock. ``today`` defaults to ``now``'s date.
    """
    moment = _wall_clock(now if now is not None else datetime.now(UTC).astimezone())
    if today is None:
        today = moment.date()
    elif isinstance(today, datetime):
        today = today.date()
    ctx = _Context(answers, _value(current), today, moment, choice or {})
    return _eval(ast, ctx)
