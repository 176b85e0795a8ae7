/* Interpreter of the expression ASTs compiled by hailong/methodology/expressions.py, whose docstring
   is the specification; shared test vectors run both. Dates are {t: "date"|"datetime", ms} on the
   wall clock, not Date objects, so the browser's time zone cannot shift them. */
(function () {
  "use strict";
  const DAY = 86400000, HAS = Object.prototype.hasOwnProperty;
  const MIN_MS = -719162 * DAY, MAX_MS = 2932897 * DAY; // years 1-9999, Python's date range
  const WS = /[ \t\r\n]+/g, TRIM = /^[ \t\r\n]+|[ \t\r\n]+$/g;
  const DECIMAL = /^[ \t\r\n]*-?(?:\d+(?:\.\d*)?|\.\d+)[ \t\r\n]*$/; // \d is ASCII in JavaScript
  const DATE = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?(?:Z|[+-]\d\d:?\d\d)?)?$/;

  const isDate = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const chars = (s) => Array.from(s); // code points, as Python counts characters

  // Milliseconds since 1970-01-01 of a date or date-time string (zone ignored), else NaN.
  function dateStringMs(s) {
    const m = DATE.exec(s);
    if (!m) return NaN;
    const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((x) => +(x || 0));
    // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
    const t = new Date(0);
    t.setUTCFullYear(y, mo - 1, d);
    if (y < 1 || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) return NaN;
    return t.getTime() + ((h * 60 + mi) * 60 + sec) * 1000 + +((m[7] || "") + "000").slice(0, 3);
  }

  function value(raw) {
    if (raw == null) return "";
    if (Array.isArray(raw)) return raw.map((x) => string(value(x))).filter(Boolean);
    if (["string", "number", "boolean"].includes(typeof raw) || isDate(raw)) return raw;
    return String(raw);
  }

  function number(v) {
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (isDate(v)) return v.ms / DAY;
    const s = string(v);
    // Not Number(s) alone: XPath has no "1e3", "0x1" or "Infinity", and "" is NaN, not 0.
    return DECIMAL.test(s) ? Number(s) : dateStringMs(s) / DAY;
  }

  function string(v) {
    if (typeof v === "string") return v;
    if (Array.isArray(v)) return v.join(" ");
    if (isDate(v)) return new Date(v.ms).toISOString().slice(0, v.t === "date" ? 10 : 19);
    return String(v); // numbers, booleans: Python copies this layout
  }

  function truthy(v) {
    if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
    if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
    return typeof v === "boolean" ? v : v != null; // any date is true
  }

  const items = (v) => (Array.isArray(v) ? v : string(v).split(WS).filter(Boolean));
  const numeric = (v) => typeof v === "number" || isDate(v);

  function equal(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") return truthy(a) === truthy(b);
    if (numeric(a) || numeric(b)) return number(a) === number(b);
    return string(a) === string(b);
  }

  function toDate(v) {
    if (isDate(v)) return { t: "date", ms: Math.floor(v.ms / DAY) * DAY };
    const ms = Math.floor(number(v)) * DAY;
    return Number.isFinite(ms) && ms >= MIN_MS && ms < MAX_MS ? { t: "date", ms } : NaN;
  }

  // Half away from zero; 10^n written as text parses to the same double in Python.
  function round(x, digits) {
    if (Number.isNaN(digits)) return NaN;
    const p = Math.trunc(Math.max(-308, Math.min(308, digits))), scale = Number("1e" + Math.abs(p));
    const scaled = p >= 0 ? Math.abs(x) * scale : Math.abs(x) / scale;
    if (!Number.isFinite(scaled)) return x; // NaN, Infinity, or more places than a double has
    const r = p >= 0 ? Math.floor(scaled + 0.5) / scale : Math.floor(scaled + 0.5) * scale;
    return x < 0 ? -r : r;
  }

  function substr(s, start, end) {
    const c = chars(s), n = c.length, i = (x) => (Number.isNaN(x) ? 0 : Math.max(-n, Math.min(n, Math.trunc(x))));
    return c.slice(i(start), i(end)).join(""); // negatives count from the end, as in Python
  }

  function translate(s, from, to) {
    const f = chars(from), t = chars(to);
    return chars(s).map((c) => { const i = f.indexOf(c); return i < 0 ? c : i < t.length ? t[i] : ""; }).join("");
  }

  function regex(s, pattern) {
    try { return new RegExp(pattern).test(s); } catch (e) { return false; } // as Python: bad → false
  }

  const extreme = (pick) => (a) => { const n = a.map(number); return n.some(Number.isNaN) ? NaN : pick(...n); };
  const S = string, N = number, math = (f) => (a) => f(N(a[0]));
  const FUNCTIONS = { __proto__: null, // no inherited "toString"
    "selected": (a) => items(a[0]).includes(S(a[1]).replace(TRIM, "")),
    "count-selected": (a) => items(a[0]).length,
    "string-length": (a) => chars(S(a[0])).length,
    "string": (a) => S(a[0]), "number": (a) => N(a[0]),
    "int": math(Math.trunc), "abs": math(Math.abs), "floor": math(Math.floor), "ceiling": math(Math.ceil),
    "round": (a) => round(N(a[0]), a.length > 1 ? N(a[1]) : 0),
    "concat": (a) => a.map(S).join(""),
    "contains": (a) => S(a[0]).includes(S(a[1])),
    "starts-with": (a) => S(a[0]).startsWith(S(a[1])),
    "ends-with": (a) => S(a[0]).endsWith(S(a[1])),
    "substr": (a) => substr(S(a[0]), N(a[1]), a.length > 2 ? N(a[2]) : Infinity),
    "substring-before": (a) => { const [s, p] = a.map(S), i = s.indexOf(p); return i < 0 ? "" : s.slice(0, i); },
    "substring-after": (a) => { const [s, p] = a.map(S), i = s.indexOf(p); return i < 0 ? "" : s.slice(i + p.length); },
    "normalize-space": (a) => S(a[0]).replace(WS, " ").replace(/^ | $/g, ""),
    "translate": (a) => translate(S(a[0]), S(a[1]), S(a[2])),
    "regex": (a) => regex(S(a[0]), S(a[1])),
    "coalesce": (a) => a.find((v, i) => S(v) !== "" || i === a.length - 1),
    "not": (a) => !truthy(a[0]),
    "true": () => true, "false": () => false,
    "boolean": (a) => truthy(a[0]),
    "today": (a, ctx) => ctx.today, "now": (a, ctx) => ctx.now,
    "date": (a) => toDate(a[0]),
    "min": extreme(Math.min), "max": extreme(Math.max),
    "pow": (a) => Math.pow(N(a[0]), N(a[1])),
  };

  const OPERATORS = { __proto__: null,
    "=": equal,
    "!=": (a, b) => !equal(a, b),
    "<": (a, b) => N(a) < N(b), "<=": (a, b) => N(a) <= N(b),
    ">": (a, b) => N(a) > N(b), ">=": (a, b) => N(a) >= N(b),
    "+": (a, b) => N(a) + N(b), "-": (a, b) => N(a) - N(b), "*": (a, b) => N(a) * N(b),
    "div": (a, b) => N(a) / N(b), // 1 div 0 is Infinity, as XPath
    "mod": (a, b) => N(a) % N(b), // sign of the dividend, as Python's math.fmod
  };

  function ev(node, ctx) {
    switch (node[0]) {
      case "num": case "str": return node[1];
      case "ref": return value(HAS.call(ctx.answers, node[1]) ? ctx.answers[node[1]] : null); // not .constructor
      case "cur": return ctx.current;
      case "col": return value(HAS.call(ctx.choice, node[1]) ? ctx.choice[node[1]] : null); // choice_filter
      case "neg": return -N(ev(node[1], ctx));
      case "bin": {
        const op = node[1];
        // and/or short-circuit (a guarded division or regex never runs).
        if (op === "or") return truthy(ev(node[2], ctx)) || truthy(ev(node[3], ctx));
        if (op === "and") return truthy(ev(node[2], ctx)) && truthy(ev(node[3], ctx));
        if (OPERATORS[op]) return OPERATORS[op](ev(node[2], ctx), ev(node[3], ctx));
        break;
      }
      case "call": {
        const [, name, args] = node;
        if (name === "if") return ev(truthy(ev(args[0], ctx)) ? args[1] : args[2], ctx);
        if (FUNCTIONS[name]) return FUNCTIONS[name](args.map((x) => ev(x, ctx)), ctx);
      }
    }
    throw new Error("not an expression node: " + JSON.stringify(node));
  }

  // options: {today: "YYYY-MM-DD", now: "YYYY-MM-DDTHH:MM:SS", choice: {column: value}}, all optional.
  function evaluate(ast, answers, current, options) {
    const o = options || {};
    // By default the local wall clock, written as if it were UTC.
    const now = o.now ? dateStringMs(o.now) : Date.now() - new Date().getTimezoneOffset() * 60000;
    const today = o.today ? dateStringMs(o.today) : Math.floor(now / DAY) * DAY;
    return ev(ast, { answers: answers || {}, current: value(current), choice: o.choice || {}, today: { t: "date", ms: today }, now: { t: "datetime", ms: now } });
  }

  window.HailongExpr = { evaluate, truthy, string, number };
})();
