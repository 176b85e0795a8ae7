"""Load the counted responses of a campaign as a coded matrix, built by the database.

A million answer dictionaries are never decoded in Python. The database turns every answer the
method reads into one character — ``0`` not valid, ``1`` valid, ``2`` satisfied for scale items; for a
single-choice question (or a ranking's first choice) ``0`` not answered, ``1``, ``2``… the choice;
for a multiple-choice question ``0``/``1`` for "answered" and for each choice — and concatenates
them into one string per response; the strings are joined and read with ``np.frombuffer``. Rows stream in primary-key order
(``.iterator(chunk_size=…)``, a server-side cursor on PostgreSQL).

The digit strings are also what the inputs fingerprint hashes: exactly the answers the run reads,
as the method codes them (plus the post-stratum answer), so re-coding the same data gives the same
fingerprint on any database, and an edit the method cannot see (a comment, a "4" becoming a "5")
does not pretend to be a different input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connections
from django.db.models import BooleanField, Case, CharField, F, Func, TextField, Value, When

from hailong.collection.models import Response
from hailong.indices.method import LIST_KINDS, MethodSpec

CHUNK_SIZE = 20_000
CHANNEL = "channel"


class AnswerText(Func):
    """The answer to one question as text (NULL when not answered): ``answers ->> 'name'``; with
    ``first``, the first element of a list answer (a ranking's top choice)."""

    output_field = TextField()

    def __init__(self, name: str, *, first: bool = False):
        super().__init__(F("answers"))
        self.name = name
        self.first = first

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        path = "$." + json.dumps(self.name) + ("[0]" if self.first else "")
        # CAST: a number stored as JSON (not what collection stores, but possible from an import)
        # compares as the same text it has on PostgreSQL.
        return f"CAST(JSON_EXTRACT({column}, %s) AS TEXT)", (*params, path)

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        if self.first:
            return f"({column} -> %s ->> 0)", (*params, self.name)
        return f"({column} ->> %s)", (*params, self.name)


# One character per answer of a single-choice question (or a ranking's first choice): "0" not
# answered, SYMBOLS[i] the i-th choice, OTHER an answer outside the list.
SYMBOLS = "".join(chr(c) for c in range(ord("1"), ord("1") + 70))
OTHER = "~"


class ChoiceCode(Func):
    output_field = CharField()

    def __init__(self, name: str, choices: Sequence[str], *, first: bool = False):
        super().__init__(AnswerText(name, first=first))
        self.pairs = [(str(value), SYMBOLS[i]) for i, value in enumerate(choices)]

    def as_sql(self, compiler, connection, **extra_context):
        text, params = compiler.compile(self.source_expressions[0])
        whens = " ".join("WHEN %s THEN %s" for _ in self.pairs)
        sql = f"(CASE {text} {whens} ELSE (CASE WHEN {text} IS NULL OR {text} = '' THEN '0' ELSE '{OTHER}' END) END)"
        return sql, (*params, *(p for pair in self.pairs for p in pair), *params, *params)


class Contains(Func):
    """``needle`` occurs in ``text`` (exact, case-sensitive)."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (text, text_params), (needle, needle_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"(INSTR({text}, {needle}) > 0)", (*text_params, *needle_params)

    def as_postgresql(self, compiler, connection, **extra_context):
        (text, text_params), (needle, needle_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"(STRPOS({text}, {needle}) > 0)", (*text_params, *needle_params)


class StartsWith(Func):
    """``text`` begins with ``prefix`` (exact, case-sensitive; LIKE is not, on SQLite)."""

    output_field = BooleanField()

    def __init__(self, text, prefix: str):
        super().__init__(text, Value(prefix))
        self.length = len(prefix)

    def as_sql(self, compiler, connection, **extra_context):
        (text, text_params), (prefix, prefix_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"(SUBSTR({text}, 1, {int(self.length)}) = {prefix})", (*text_params, *prefix_params)


class Digits(Func):
    """One string of the digits of every column: ``(c1 || c2 || …)``."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = CharField()


@dataclass(frozen=True)
class Layout:
    """Where each block of columns sits in a row's digit string."""

    items: slice
    perception: slice
    # Per choice question: (its column, None) for one coded character, or (column of "answered",
    # slice of one 0/1 column per choice).
    choices: tuple[tuple[int, slice | None], ...]
    width: int
    breakdowns: slice = field(default_factory=lambda: slice(0, 0))


@dataclass(frozen=True)
class Breakdown:
    """What respondents are cut by: ``channel`` (the response's channel) or a single-choice
    question's name, with its categories in order (coded 1, 2, …; 0 = none of them)."""

    name: str
    categories: tuple[str, ...]

    @property
    def is_channel(self) -> bool:
        return self.name == CHANNEL


@dataclass
class LoadedResponses:
    response_ids: np.ndarray  # int64 (n,)
    unit_ids: np.ndarray  # int64 (n,)
    uuids: list[str]
    row_codes: list[str]  # per row, the digit string the database built
    items: np.ndarray  # uint8 (n, k) codes 0/1/2 in the order of method.items()
    perception: np.ndarray  # uint8 (n, p) codes 0/1/2
    answered: np.ndarray  # uint8 (n, c) a choice question was answered
    chosen: list[np.ndarray]  # per choice question, uint8 (n, m_c)
    poststratum: list[str] | None  # the answer to the post-stratum question, per row
    # (n, b) uint8: per breakdown, the category of the row (1, 2, …) or 0.
    breakdowns: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.response_ids)


class ScaleCode(Func):
    """``CASE answer WHEN '4' THEN '2' … WHEN '1' THEN '1' … ELSE '0' END``: the simple form
    extracts the answer once, not once per test."""

    output_field = CharField()

    def __init__(self, name: str, valid: Sequence[str], satisfied: Sequence[str]):
        super().__init__(AnswerText(name))
        self.codes = [(str(v), "2" if v in satisfied else "1") for v in valid]

    def as_sql(self, compiler, connection, **extra_context):
        text, params = compiler.compile(self.source_expressions[0])
        if not self.codes:
            return "'0'", ()
        whens = " ".join("WHEN %s THEN %s" for _ in self.codes)
        return f"(CASE {text} {whens} ELSE '0' END)", (*params, *(p for pair in self.codes for p in pair))


def _scale_code(name: str, valid: Sequence[str], satisfied: Sequence[str]):
    return ScaleCode(name, valid, satisfied)


class _In(Func):
    """``text IN (values)`` as a boolean expression."""

    output_field = BooleanField()

    def __init__(self, text, values: Sequence[str]):
        super().__init__(text, *(Value(str(v)) for v in values))

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(e) for e in self.source_expressions]
        text, params = compiled[0]
        values = ", ".join(sql for sql, _p in compiled[1:])
        return f"({text} IN ({values}))", (*params, *(p for _s, ps in compiled[1:] for p in ps))


def _in(text, values: Sequence[str]):
    if not values:
        return Value(False, output_field=BooleanField())
    return _In(text, values)


def _flag(condition) -> Case:
    return Case(When(condition, then=Value("1")), default=Value("0"), output_field=CharField())


def _needle(value: str, vendor: str) -> str:
    # How a string inside a JSON list is written in the text the database gives back: PostgreSQL
    # prints jsonb with the characters themselves, SQLite keeps Django's ASCII escapes.
    return json.dumps(str(value), ensure_ascii=vendor != "postgresql")


class FieldCode(Func):
    """One character for a model field's value: ``SYMBOLS[i]`` for the i-th of ``values``, else 0."""

    output_field = CharField()

    def __init__(self, field: str, values: Sequence[str]):
        super().__init__(F(field))
        self.pairs = [(str(value), SYMBOLS[i]) for i, value in enumerate(values)]

    def as_sql(self, compiler, connection, **extra_context):
        text, params = compiler.compile(self.source_expressions[0])
        if not self.pairs:
            return "'0'", ()
        whens = " ".join("WHEN %s THEN %s" for _ in self.pairs)
        return f"(CASE {text} {whens} ELSE '0' END)", (*params, *(p for pair in self.pairs for p in pair))


def breakdown_columns(breakdowns: Sequence[Breakdown]) -> list:
    columns = []
    for breakdown in breakdowns:
        categories = breakdown.categories[: len(SYMBOLS)]
        if breakdown.is_channel:
            columns.append(FieldCode("channel", categories))
        else:
            # An answer outside the list (OTHER) is in no category: see ``load_responses``.
            columns.append(ChoiceCode(breakdown.name, categories))
    return columns


def build_columns(spec: MethodSpec, vendor: str) -> tuple[list, Layout]:
    method = spec.method
    columns: list = [_scale_code(item, method.valid, method.satisfied) for item in method.items()]
    items = slice(0, len(columns))
    columns.extend(_scale_code(item, method.valid, method.satisfied) for item in spec.perception_items)
    perception = slice(items.stop, len(columns))
    choices = []
    for question in spec.choice_questions:
        listed = question.kind in LIST_KINDS
        if (not listed or question.first_only) and len(question.choices) <= len(SYMBOLS):
            choices.append((len(columns), None))
            columns.append(ChoiceCode(question.name, question.choices, first=listed))
            continue
        # Several answers at once: "answered", then one 0/1 column per choice.
        text = AnswerText(question.name)
        answered_at = len(columns)
        columns.append(
            Case(
                When(_in(text, ["", "[]"]), then=Value("0")),
                When(_not_null(text), then=Value("1")),
                default=Value("0"),
                output_field=CharField(),
            )
        )
        start = len(columns)
        for choice in question.choices:
            if question.first_only:
                condition = StartsWith(text, "[" + _needle(choice, vendor))
            else:
                condition = Contains(text, Value(_needle(choice, vendor)))
            columns.append(_flag(condition))
        choices.append((answered_at, slice(start, len(columns))))
    return columns, Layout(items=items, perception=perception, choices=tuple(choices), width=len(columns))


class _NotNull(Func):
    output_field = BooleanField()
    template = "(%(expressions)s IS NOT NULL)"


def _not_null(text):
    return _NotNull(text)


def _copy_rows(rows, with_stratum: bool, progress):
    """The same rows through ``COPY (query) TO STDOUT``: PostgreSQL streams them as text, without a
    Python object per value — most of the cost of loading a million responses otherwise."""
    sql, params = rows.query.sql_with_params()
    connection = connections[rows.db]
    ids: list[int] = []
    units: list[int] = []
    uuids: list[str] = []
    codes: list[str] = []
    strata: list[str] = []
    pending = b""
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        for block in copy:
            lines = (pending + bytes(block)).split(b"\n")
            pending = lines.pop()
            for line in lines:
                fields = line.decode().split("\t")
                ids.append(int(fields[0]))
                units.append(int(fields[1]))
                uuids.append(fields[2].replace("-", ""))
                codes.append(fields[3])
                if with_stratum:
                    strata.append("" if fields[4] == "\\N" else _unescape(fields[4]))
    # Progress is told once the COPY is over: the connection cannot run another statement (the
    # progress update) while it streams.
    if progress is not None and ids:
        progress(len(ids))
    return ids, units, uuids, codes, strata


# Responses per row of the aggregated COPY: PostgreSQL sends one protocol message per row, and a
# message per response costs more than the parsing (psycopg's per-message round trip).
COPY_GROUP = 20_000


def _copy_grouped(rows, progress):
    """``_copy_rows`` without a post-stratum answer: the database joins the rows of each block of
    ``COPY_GROUP`` ids into one text (fields by ``,``, rows by ``|`` — characters that no id, uuid or
    code contains), so the client receives tens of messages instead of a million."""
    sql, params = rows.query.sql_with_params()
    # The query is Django's own (parameters apart); COPY_GROUP is a constant integer.
    grouped = (
        "SELECT string_agg(concat_ws(',', t.c0, t.c1, t.c2, t.c3), '|' ORDER BY t.c0) "  # noqa: S608
        f"FROM ({sql}) AS t(c0, c1, c2, c3) GROUP BY t.c0 / {COPY_GROUP} ORDER BY t.c0 / {COPY_GROUP}"
    )
    connection = connections[rows.db]
    ids: list[int] = []
    units: list[int] = []
    uuids: list[str] = []
    codes: list[str] = []
    pending = b""
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({grouped}) TO STDOUT", params) as copy:
        for block in copy:
            lines = (pending + bytes(block)).split(b"\n")
            pending = lines.pop()
            for line in lines:
                # A choice code can be a backslash (the 44th choice), which COPY doubles.
                text = line.decode()
                if "\\" in text:
                    text = text.replace("\\\\", "\\")
                for row in text.split("|"):
                    response, unit, uuid, code = row.split(",")
                    ids.append(int(response))
                    units.append(int(unit))
                    uuids.append(uuid.replace("-", ""))
                    codes.append(code)
    if progress is not None and ids:
        progress(len(ids))
    return ids, units, uuids, codes, []


_COPY_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "\\": "\\"}


def _unescape(text: str) -> str:
    """COPY's text escapes (only answer texts can hold them; ids, uuids and digit codes never do)."""
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda match: _COPY_ESCAPES.get(match.group(1), match.group(1)), text)


def load_responses(
    *,
    campaign_id: int,
    version_id: int,
    statuses: Sequence[str],
    spec: MethodSpec,
    poststratum_question: str | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    breakdowns: Sequence[Breakdown] = (),
) -> LoadedResponses:
    """The counted responses of a campaign, coded for ``spec``, in primary-key order."""
    queryset = Response.objects.filter(
        campaign_id=campaign_id, version_id=version_id, status__in=list(statuses)
    ).order_by("id")
    vendor = connections[queryset.db].vendor
    columns, layout = build_columns(spec, vendor)
    annotations = {
        "_uuid": Func(F("uuid"), template="CAST(%(expressions)s AS TEXT)", output_field=TextField()),
        "_codes": Digits(*columns) if columns else Value(""),
    }
    fields = ["id", "unit_id", "_uuid", "_codes"]
    if breakdowns:
        # The breakdown codes follow the method's in the same digit string; the fingerprint hashes
        # the method's part only (``row_codes``), so adding a breakdown is not a change of inputs.
        extra = breakdown_columns(breakdowns)
        annotations["_codes"] = Digits(*columns, *extra)
        layout = Layout(
            items=layout.items,
            perception=layout.perception,
            choices=layout.choices,
            width=layout.width + len(extra),
            breakdowns=slice(layout.width, layout.width + len(extra)),
        )
    if poststratum_question:
        annotations["_stratum"] = AnswerText(poststratum_question)
        fields.append("_stratum")
    rows = queryset.annotate(**annotations).values_list(*fields)

    if vendor == "postgresql" and not poststratum_question:
        ids, units, uuids, codes, strata = _copy_grouped(rows, progress)
    elif vendor == "postgresql":
        ids, units, uuids, codes, strata = _copy_rows(rows, True, progress)
    else:
        ids, units, uuids, codes, strata = [], [], [], [], []
        for number, row in enumerate(rows.iterator(chunk_size=chunk_size), start=1):
            ids.append(row[0])
            units.append(row[1])
            uuids.append(row[2].replace("-", ""))
            codes.append(row[3])
            if poststratum_question:
                strata.append("" if row[4] is None else str(row[4]))
            if progress is not None and number % chunk_size == 0:
                progress(number)

    n = len(ids)
    if n and layout.width:
        matrix = (np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8) - ord("0")).reshape(
            n, layout.width
        )
    else:
        matrix = np.zeros((n, layout.width), dtype=np.uint8)
    answered = np.zeros((n, len(layout.choices)), dtype=np.uint8)
    chosen = []
    for c, ((at, block), question) in enumerate(zip(layout.choices, spec.choice_questions, strict=True)):
        if block is None:
            code = matrix[:, at]
            answered[:, c] = code != 0
            symbols = np.frombuffer(SYMBOLS[: len(question.choices)].encode("ascii"), dtype=np.uint8) - ord(
                "0"
            )
            chosen.append((code[:, None] == symbols[None, :]).astype(np.uint8))
        else:
            answered[:, c] = matrix[:, at]
            chosen.append(np.ascontiguousarray(matrix[:, block]))
    if breakdowns and n:
        method_width = layout.breakdowns.start
        codes = [code[:method_width] for code in codes]
    return LoadedResponses(
        response_ids=np.asarray(ids, dtype=np.int64),
        unit_ids=np.asarray(units, dtype=np.int64),
        uuids=uuids,
        row_codes=codes,
        items=np.ascontiguousarray(matrix[:, layout.items]),
        perception=np.ascontiguousarray(matrix[:, layout.perception]),
        answered=answered,
        chosen=chosen,
        poststratum=strata if poststratum_question else None,
        breakdowns=_breakdown_codes(matrix[:, layout.breakdowns], breakdowns) if breakdowns else None,
    )


def _breakdown_codes(block: np.ndarray, breakdowns: Sequence[Breakdown]) -> np.ndarray:
    codes = np.array(block, dtype=np.uint8)
    for b, breakdown in enumerate(breakdowns):
        codes[codes[:, b] > len(breakdown.categories), b] = 0
    return codes
