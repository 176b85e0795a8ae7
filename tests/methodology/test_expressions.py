"""The skip-logic / constraint expression engine: parser, Python interpreter, and the browser's twin."""

import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from hailong.methodology import expressions
from hailong.methodology.expressions import (
    ExpressionError,
    compile_expression,
    evaluate,
    references,
    truthy,
    uses_current,
)

HERE = Path(__file__).resolve().parent
VECTORS = json.loads((HERE / "expression_vectors.json").read_text(encoding="utf-8"))
SCRIPT = Path(expressions.__file__).resolve().parent / "static" / "methodology" / "expressions.js"
TODAY = date(2026, 11, 23)


def run(text: str, answers: dict | None = None, current: object = None, **clock):
    clock.setdefault("today", TODAY)
    return evaluate(compile_expression(text), answers or {}, current, **clock)


def error(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    return caught.value


# ---------------------------------------------------------------------------------------------------
# Parsing


@pytest.mark.parametrize(
    ("text", "ast"),
    [
        ("${age}", ["ref", "age"]),
        (".", ["cur"]),
        ("3", ["num", 3]),
        ("3.5", ["num", 3.5]),
        (".5", ["num", 0.5]),
        ("3.", ["num", 3.0]),
        ("'a b'", ["str", "a b"]),
        ('"it\'s"', ["str", "it's"]),
        ("''", ["str", ""]),
        ("-.", ["neg", ["cur"]]),
        ("--1", ["neg", ["neg", ["num", 1]]]),
        ("true()", ["call", "true", []]),
        ("selected(${r}, 'x')", ["call", "selected", [["ref", "r"], ["str", "x"]]]),
        ("${ho_ten.v2-a}", ["ref", "ho_ten.v2-a"]),
        ("${ tuổi }", ["ref", "tuổi"]),
    ],
)
def test_node_shapes(text, ast):
    assert compile_expression(text) == ast


@pytest.mark.parametrize(
    ("text", "ast"),
    [
        # "-" inside a function name is part of it; after "}" or ")" it is subtraction.
        ("count-selected(.)-1", ["bin", "-", ["call", "count-selected", [["cur"]]], ["num", 1]]),
        ("${a}-1", ["bin", "-", ["ref", "a"], ["num", 1]]),
        ("${a}-${b}", ["bin", "-", ["ref", "a"], ["ref", "b"]]),
        ("1-1", ["bin", "-", ["num", 1], ["num", 1]]),
        ("3div 2", ["bin", "div", ["num", 3], ["num", 2]]),
        ("7 mod\n2", ["bin", "mod", ["num", 7], ["num", 2]]),
        ("1 - -1", ["bin", "-", ["num", 1], ["neg", ["num", 1]]]),
    ],
)
def test_tokenizer_edges(text, ast):
    assert compile_expression(text) == ast


def test_precedence():
    ast = compile_expression("${a} or ${b} and 1 = 2 < 3 + 4 * -5")
    assert ast == [
        "bin",
        "or",
        ["ref", "a"],
        [
            "bin",
            "and",
            ["ref", "b"],
            [
                "bin",
                "=",
                ["num", 1],
                [
                    "bin",
                    "<",
                    ["num", 2],
                    ["bin", "+", ["num", 3], ["bin", "*", ["num", 4], ["neg", ["num", 5]]]],
                ],
            ],
        ],
    ]


def test_binary_operators_are_left_associative():
    assert compile_expression("10 - 2 - 3") == ["bin", "-", ["bin", "-", ["num", 10], ["num", 2]], ["num", 3]]
    assert compile_expression("8 div 4 mod 3") == [
        "bin",
        "mod",
        ["bin", "div", ["num", 8], ["num", 4]],
        ["num", 3],
    ]


def test_parentheses_override_precedence():
    assert compile_expression("(1 + 2) * 3") == ["bin", "*", ["bin", "+", ["num", 1], ["num", 2]], ["num", 3]]


@pytest.mark.parametrize("text", ["string()", "number()", "string-length()", "normalize-space()"])
def test_context_functions_without_argument_read_the_current_answer(text):
    ast = compile_expression(text)
    assert ast[2] == [["cur"]]
    assert uses_current(ast)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_expression_compiles_to_none(text):
    assert compile_expression(text) is None


def test_ast_is_plain_json():
    text = "if(selected(${r}, 'x') and . >= 1.5, concat('a', -${n}), today())"
    ast = compile_expression(text)
    assert json.loads(json.dumps(ast)) == ast


def test_every_operator_word_and_symbol_parses():
    for op in ("or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"):
        assert compile_expression(f"${{a}} {op} ${{b}}") == ["bin", op, ["ref", "a"], ["ref", "b"]]


# ---------------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("${a} = 1 and )", 'unexpected ")" at position 13', 13),
        ("(1 + 2", "unexpected end of expression", 6),
        ("1 +", "unexpected end of expression", 3),
        ("1 2", 'unexpected "2" at position 2', 2),
        ("${a} = 'yes", "unclosed string starting at position 7", 7),
        ('"abc', "unclosed string starting at position 0", 0),
        ("${a", 'unclosed "${" at position 0', 0),
        ("${} = 1", 'invalid question name "" at position 0', 0),
        ("${1a}", 'invalid question name "1a" at position 0', 0),
        ("1 ! 2", 'unexpected "!" at position 2', 2),
        ("1 & 2", 'unexpected "&" at position 2', 2),
        ("1 = = 2", 'unexpected "=" at position 4', 4),
        ("concat(,)", 'unexpected "," at position 7', 7),
        ("pulldata('a', ${b}", "unexpected end of expression", 18),
        ("pulldata('a') ${b}", 'unexpected "${b}" at position 14', 14),
        ("selected(.)", 'function "selected" takes 2 arguments, got 1', 0),
        (". + today(1)", 'function "today" takes 0 arguments, got 1', 4),
        ("round()", 'function "round" takes 1 to 2 arguments, got 0', 0),
        ("coalesce(1)", 'function "coalesce" takes at least 2 arguments, got 1', 0),
        ("not(1, 2)", 'function "not" takes 1 argument, got 2', 0),
        ("regex(., '[0-9')", 'invalid regular expression "[0-9": unterminated character set', 9),
        ("regex(., '\\p{L}')", 'invalid regular expression "\\p{L}": bad escape \\p', 9),
        ("and", 'unexpected "and" at position 0', 0),
    ],
)
def test_syntax_errors(text, message, position):
    caught = error(text)
    assert caught.expression == text
    assert caught.unsupported_function is None
    assert caught.message == message
    assert str(caught) == message
    assert caught.position == position


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("/data/x = 1", 0),
        ("../x", 0),
        ("${a}/b", 4),
        (". = ./x", 5),
        ("${a}[1]", 4),
        ("@id", 0),
    ],
)
def test_paths_are_refused_with_a_hint(text, position):
    caught = error(text)
    assert caught.position == position
    assert "paths are not supported" in caught.message
    assert "${name}" in caught.message
    assert caught.unsupported_function is None


def test_a_bare_name_suggests_quotes_or_a_reference():
    caught = error("${visited} = yes")
    assert (
        caught.message
        == "unexpected name \"yes\" at position 13: write 'yes' for text or ${yes} for a question"
    )
    assert caught.position == 13


def test_absurd_nesting_is_an_expression_error():
    caught = error("(" * 5000 + "1" + ")" * 5000)
    assert caught.message == "expression is nested too deeply"
    assert caught.position is None


@pytest.mark.parametrize(
    ("text", "function"),
    [
        ("pulldata('f', 'c', 'k', ${k})", "pulldata"),
        ("indexed-repeat(${x}, ${g}, 1)", "indexed-repeat"),
        ("position(..) = 1", "position"),
        ("jr:choice-name(${x}, '${x}') = 'A'", "jr:choice-name"),
        ("once(uuid())", "once"),
        ("random() < 0.5", "random"),
        ("uuid()", "uuid"),
        ("sum(${n}) > 3", "sum"),
        ("count(${r}) > 0", "count"),
        ("instance('districts')/root/item[name = ${d}]/label", "instance"),
        ("${a} = 1 and format-date(today(), '%Y') = '2026'", "format-date"),
    ],
)
def test_unsupported_functions_are_named(text, function):
    caught = error(text)
    assert caught.unsupported_function == function
    assert caught.message == f'unknown function "{function}"'
    assert caught.position == text.index(function)


def test_a_syntax_error_beside_an_unknown_function_is_not_reported_as_a_missing_feature():
    caught = error("pulldata('a') + ")
    assert caught.unsupported_function is None
    assert caught.message == "unexpected end of expression"


def test_expression_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)


# ---------------------------------------------------------------------------------------------------
# references() and uses_current()


def test_references_lists_every_question_read():
    ast = compile_expression("if(${a} > 1, concat(${b}, -${c}), selected(${d}, .)) or ${a} = 2")
    assert references(ast) == {"a", "b", "c", "d"}
    assert references(compile_expression("1 + 1")) == set()
    assert references(None) == set()


def test_uses_current():
    assert uses_current(compile_expression(". > 0"))
    assert uses_current(compile_expression("not(regex(., 'x'))"))
    assert not uses_current(compile_expression("${a} > 0"))
    assert not uses_current(compile_expression("'.' = ${a}"))
    assert not uses_current(None)


# ---------------------------------------------------------------------------------------------------
# Values and conversions


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", False),
        ("0", True),
        ("false", True),
        (0, False),
        (0.0, False),
        (-0.0, False),
        (math.nan, False),
        (2, True),
        (math.inf, True),
        ([], False),
        (["a"], True),
        (True, True),
        (False, False),
        (None, False),
        (date(2026, 1, 1), True),
    ],
)
def test_truthy(value, expected):
    assert truthy(value) is expected


def test_result_types():
    assert run("1 + 1") == 2.0
    assert isinstance(run("1 + 1"), float)
    assert isinstance(run("${n}", {"n": 3}), float)
    assert run("${m}", {"m": ["a", "b"]}) == ["a", "b"]
    assert run("${m}", {"m": "a b"}) == "a b"
    assert run("${x}", {"x": None}) == ""
    assert run("${x}") == ""
    assert run("today()") == TODAY
    assert type(run("today()")) is date
    assert type(run("date('2026-01-05')")) is date
    assert isinstance(run("date('nope')"), float)
    assert math.isnan(run("date('nope')"))
    assert run("1 = 1") is True


def test_answers_of_other_types_are_read_sensibly():
    assert run("${d} = '2026-11-23'", {"d": date(2026, 11, 23)})
    assert run("${d} < today()", {"d": date(2026, 11, 22)})
    assert run("${b}", {"b": True}) is True
    assert run("string(${n})", {"n": 7.0}) == "7"
    assert run("${m}", {"m": ("a", 1, None, "")}) == ["a", "1"]


def test_numbers_print_as_javascript_does():
    cases = {
        "1 div 3": "0.3333333333333333",
        "2 div 3": "0.6666666666666666",
        "123456789 * 1000000000000": "123456789000000000000",
        "123456789 * 10000000000000": "1.23456789e+21",
        "1 div 1000000": "0.000001",
        "1 div 10000000": "1e-7",
        "-5 div 100000000": "-5e-8",
        "0.1 * 3": "0.30000000000000004",
        "1.50": "1.5",
        "-0.5 * 0": "0",
    }
    for text, printed in cases.items():
        assert run(f"string({text})") == printed, text


# ---------------------------------------------------------------------------------------------------
# Comparison rules


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("${x} = ''", {}, True),
        ("${x} = 0", {}, False),
        ("${x} != 0", {}, True),
        ("${x} < 1", {}, False),
        ("${x} >= 1", {}, False),
        ("${n} = '5'", {"n": 5}, True),
        ("${s} = 5", {"s": "5.0"}, True),
        ("${s} = '5'", {"s": "5.0"}, False),
        ("${m} = 'a b'", {"m": ["a", "b"]}, True),
        ("${m} = 'b a'", {"m": ["a", "b"]}, False),
        ("${m} = 3", {"m": ["3"]}, True),
        ("true() = 'x'", {}, True),
        ("true() = ''", {}, False),
        ("false() = 0", {}, True),
        ("5 = true()", {}, True),
        ("0 div 0 = 0 div 0", {}, False),
        ("0 div 0 != 1", {}, True),
        ("0 div 0 < 1 or 0 div 0 >= 1", {}, False),
        ("'b' > 'a'", {}, False),
        ("'2' > '10'", {}, False),
        ("true() > false()", {}, True),
    ],
)
def test_comparisons(text, answers, expected):
    assert run(text, answers) is expected


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("${d} <= today()", {"d": "2026-11-23"}, True),
        ("${d} < today()", {"d": "2026-11-23"}, False),
        ("${d} > '2025-12-31'", {"d": "2026-01-01"}, True),
        ("${d} >= ${e}", {"d": "2026-01-01", "e": "2026-01-01T00:00:01"}, False),
        ("${d} = today()", {"d": "2026-11-23"}, True),
        ("today() = '2026-11-23'", {}, True),
        ("today() = '23/11/2026'", {}, False),
        ("${d} <= today()", {"d": ""}, False),
        ("${d} <= today()", {"d": "2026-02-30"}, False),
        ("date(${d}) = date('2026-11-23')", {"d": "2026-11-23T23:59:59+07:00"}, True),
    ],
)
def test_dates_compare_as_days(text, answers, expected):
    assert run(text, answers) is expected


def test_date_arithmetic():
    assert run("today() + 1") == 20781
    assert run("string(date(today() + 8))") == "2026-12-01"
    assert run("int((today() - ${dob}) div 365.25)", {"dob": "2008-11-24"}) == 17
    assert run("int((today() - ${dob}) div 365.25)", {"dob": "2008-11-22"}) == 18
    assert run("number('2026-11-23T18:00:00Z')") == 20780.75
    assert run("date(-719163)") != run("date(-719163)")  # before year 1: NaN
    assert run("date(-719162)") == date(1, 1, 1)
    assert run("string(date(2932896))") == "9999-12-31"


def test_clock_defaults_and_overrides():
    now = datetime(2026, 11, 23, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=7)))
    # An aware now is read on its own wall clock; today() follows it unless given.
    assert evaluate(compile_expression("string(now())"), {}, now=now) == "2026-11-23T23:30:15"
    assert evaluate(compile_expression("today()"), {}, now=now) == date(2026, 11, 23)
    assert evaluate(compile_expression("today()"), {}, now=now, today=date(2026, 1, 1)) == date(2026, 1, 1)
    assert evaluate(compile_expression("today()"), {}, today=datetime(2026, 5, 6, 7, 8, tzinfo=UTC)) == date(
        2026, 5, 6
    )
    # Milliseconds survive, microseconds do not (JavaScript has none).
    assert evaluate(compile_expression("number(now()) * 86400000 mod 1000"), {}, now=now) == pytest.approx(
        123
    )
    local = evaluate(compile_expression("today()"), {})
    assert type(local) is date
    assert abs(local - datetime.now(UTC).date()) <= timedelta(days=1)


# ---------------------------------------------------------------------------------------------------
# Functions


def test_multiple_choice_functions():
    answers = {"list": ["a", "other"], "text": " a  other\n", "empty": []}
    assert run("selected(${list}, 'other')", answers)
    assert run("selected(${text}, 'other')", answers)
    assert not run("selected(${list}, 'oth')", answers)
    assert not run("selected(${empty}, '')", answers)
    assert run("count-selected(${list})", answers) == 2
    assert run("count-selected(${text})", answers) == 2
    assert run("count-selected(${empty})", answers) == 0
    assert run("count-selected(.) <= 3", current=["a", "b", "c", "d"]) is False


def test_string_functions():
    assert run("string-length(.)", current="Hài lòng") == 8
    assert run("string-length(.) <= 500", current="x" * 501) is False
    assert run("concat(${a}, '-', 1.5, '-', ${m})", {"a": "A", "m": ["x", "y"]}) == "A-1.5-x y"
    assert run("contains('Hài lòng', 'lòng')") is True
    assert run("starts-with('abc', 'ab') and ends-with('abc', 'bc')") is True
    assert run("substr('Đà Nẵng', 3)") == "Nẵng"
    assert run("substr('Đà Nẵng', 0, 2)") == "Đà"
    assert run("substr('abc', 5)") == ""
    assert run("substr('abc', 1, 0)") == ""
    assert run("substring-before('a=b=c', '=')") == "a"
    assert run("substring-after('a=b=c', '=')") == "b=c"
    assert run("normalize-space('\t a  b \n')") == "a b"
    assert run("translate('Đà Nẵng', 'àẵ', 'aa')") == "Đa Nang"
    assert run("string(12.50)") == "12.5"


def test_regex():
    assert run("regex(., '^0[0-9]{9}$')", current="0912345678") is True
    assert run("regex(., '^0[0-9]{9}$')", current="0912345678\n") is False  # "$" is the very end
    assert run("regex(., '^0[0-9]{9}')", current="0912345678 extra") is True  # search, not match
    assert run("regex(., '^[\\w.]+@[\\w.]+$')", current="an.nguyen@hue.gov.vn") is True
    assert run("regex(., '^\\w+$')", current="Huế") is False  # \w is ASCII, as in JavaScript
    assert run("regex(., '[$]')", current="5$") is True  # "$" in a class stays a dollar
    assert run("regex(., ${p})", {"p": "("}, "x") is False  # a run-time pattern that cannot compile


def test_control_functions():
    assert run("if(${a} > 3, 'high', 'low')", {"a": 5}) == "high"
    assert run("if(${a} > 3, 'high', 'low')", {"a": 1}) == "low"
    assert run("if('', 1, 2)") == 2
    assert run("coalesce(${a}, ${b})", {"b": "x"}) == "x"
    assert run("coalesce(${a}, ${b})", {"a": 0, "b": "x"}) == 0
    assert run("coalesce(${a}, ${b}, ${c})", {"c": ["z"]}) == ["z"]
    assert run("not(${a})", {"a": ""}) is True
    assert run("boolean(${a})", {"a": "0"}) is True
    assert run("true()") is True
    assert run("false()") is False


def test_and_or_short_circuit():
    calls = []

    class Answers(dict):
        def get(self, key, default=None):
            calls.append(key)
            return super().get(key, default)

    assert evaluate(compile_expression("${a} = 1 or ${b} = 1"), Answers(a=1), today=TODAY) is True
    assert calls == ["a"]
    calls.clear()
    assert evaluate(compile_expression("${a} = 1 and ${b} = 1"), Answers(a=2), today=TODAY) is False
    assert calls == ["a"]
    calls.clear()
    assert evaluate(compile_expression("if(${a}, ${b}, ${c})"), Answers(a=""), today=TODAY) == ""
    assert calls == ["a", "c"]


def test_numeric_functions():
    assert run("int(-7.9)") == -7
    assert run("int(7.9)") == 7
    assert run("round(0.5)") == 1
    assert run("round(-0.5)") == -1
    assert run("round(1.25, 1)") == 1.3
    assert run("round(-1.25, 1)") == -1.3
    assert run("round(1550, -2)") == 1600
    assert run("round(2.5, 0 div 0)") != run("round(2.5, 0 div 0)")  # NaN
    assert run("round(1.5, 1 div 0)") == 1.5
    assert run("abs(-2.5)") == 2.5
    assert run("min(4, ${a}, 2)", {"a": 3}) == 2
    assert run("max(4, ${a}, 2)", {"a": 9}) == 9
    assert math.isnan(run("max(4, ${a})"))
    assert run("pow(3, 2)") == 9
    assert run("pow(4, 0.5)") == 2
    assert run("pow(0 div 0, 0)") == 1
    assert run("pow(-2, 3)") == -8
    assert run("pow(-10, 309)") == -math.inf
    assert math.isnan(run("pow(-1, 1 div 0)"))
    assert run("pow(0, -2)") == math.inf
    assert run("floor(2.7)") == 2
    assert run("ceiling(2.1)") == 3
    assert run("floor(1 div 0)") == math.inf
    assert run("7 mod 2.5") == 2
    assert run("-7 mod 2") == -1
    assert math.isnan(run("(1 div 0) mod 2"))
    assert run("5 mod (1 div 0)") == 5


def test_unknown_node_is_refused_at_evaluation():
    with pytest.raises(ValueError, match="not an expression node"):
        evaluate(["call", "pulldata", []], {})
    with pytest.raises(ValueError, match="not an expression node"):
        evaluate(["var", "x"], {})


# ---------------------------------------------------------------------------------------------------
# Shared vectors: Python here, the browser below.


def normalise(value: object) -> object:
    """A result as the vectors write it: dates as text, NaN and infinities tagged (JSON has none)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return {"number": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    return value


def same(actual: object, expected: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)
    return type(actual) is type(expected) and actual == expected


def clock(vector: dict) -> dict:
    found = {"today": date.fromisoformat(vector["today"])}
    if vector.get("now"):
        found["now"] = datetime.fromisoformat(vector["now"])
    return found


def test_vectors_cover_every_function_and_operator():
    assert len(VECTORS) >= 80
    calls, operators = set(), set()
    for vector in VECTORS:
        for node in expressions._walk(compile_expression(vector["expr"])):
            if node[0] == "call":
                calls.add(node[1])
            if node[0] == "bin":
                operators.add(node[1])
    assert calls == set(expressions._ARITY)
    assert operators == {"or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"}


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{i}:{v['expr']}" for i, v in enumerate(VECTORS)])
def test_python_interpreter_on_vector(vector):
    ast = compile_expression(vector["expr"])
    result = normalise(evaluate(ast, vector["answers"], vector["current"], **clock(vector)))
    assert same(result, vector["expected"]), f"{vector['expr']} → {result!r}, expected {vector['expected']!r}"


JS_RUN = """(vectors) => {
    const H = window.HailongExpr;
    const normalise = (v) => {
        if (typeof v === "number" && !Number.isFinite(v)) {
            return {number: Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"};
        }
        if (v !== null && typeof v === "object" && !Array.isArray(v)) return H.string(v);
        return v;
    };
    return vectors.map((v) => {
        try {
            return normalise(H.evaluate(v.ast, v.answers, v.current, {today: v.today, now: v.now}));
        } catch (e) {
            return {error: String(e)};
        }
    });
}"""


def test_javascript_interpreter_agrees_with_python(browser):
    cases = [
        {
            "ast": compile_expression(v["expr"]),
            "answers": v["answers"],
            "current": v["current"],
            "today": v["today"],
            "now": v.get("now"),
        }
        for v in VECTORS
    ]
    page = browser.new_page()
    try:
        page.add_script_tag(path=str(SCRIPT))
        results = page.evaluate(JS_RUN, cases)
        # Without a clock of its own, the browser reads its local one.
        default_today = page.evaluate("HailongExpr.string(HailongExpr.evaluate(['call', 'today', []], {}))")
        exported = page.evaluate("Object.keys(window.HailongExpr).sort()")
    finally:
        page.close()
    assert len(results) == len(VECTORS)
    disagreements = []
    for vector, js in zip(VECTORS, results, strict=True):
        python = normalise(
            evaluate(
                compile_expression(vector["expr"]), vector["answers"], vector["current"], **clock(vector)
            )
        )
        if not (same(js, python) and same(js, vector["expected"])):
            disagreements.append(
                f"{vector['expr']}: js {js!r}, python {python!r}, expected {vector['expected']!r}"
            )
    assert disagreements == []
    assert abs(date.fromisoformat(default_today) - datetime.now(UTC).date()) <= timedelta(days=1)
    assert {"evaluate", "truthy"} <= set(exported)


def test_choice_filter_reads_bare_names_as_choice_columns():
    ast = compile_expression("state = ${state} and name != 'x'", choice_columns=True)
    assert ast[2] == ["bin", "=", ["col", "state"], ["ref", "state"]]
    assert truthy(evaluate(ast, {"state": "hn"}, choice={"name": "y", "state": "hn"}))
    assert not truthy(evaluate(ast, {"state": "hn"}, choice={"name": "y", "state": "dn"}))
    with pytest.raises(ExpressionError):
        compile_expression("state = ${state}")  # elsewhere a bare name is still an error
