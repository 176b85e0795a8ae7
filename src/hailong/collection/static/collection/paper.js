/* Paper-form entry: the hands stay on the keyboard. Enter moves on, a one-key code moves on by
   itself, questions that do not apply are skipped, Ctrl+Enter (or Enter on the last field) saves. */
(function () {
  "use strict";
  var form = document.getElementById("paper");
  if (!form) return;
  var E = window.HailongExpr;
  var rows = [].slice.call(form.querySelectorAll("tr.q[data-logic]")).map(function (tr) {
    return { tr: tr, name: tr.getAttribute("data-name"), logic: JSON.parse(tr.getAttribute("data-logic")),
             inputs: [].slice.call(tr.querySelectorAll("input")) };
  }).map(function (row) {
    row.logic.relevant = row.logic.relevant || [];
    return row;
  });

  function value(row) {
    var values = row.inputs.map(function (i) { return i.value.trim(); }).filter(Boolean);
    if (row.logic.kind === "multiple") return values.join(" ").split(/[\s,]+/).filter(Boolean);
    if (row.logic.kind === "ranking") return values;
    return values[0] || "";
  }

  // Same order and rule as the server: an answer to a question that does not apply is not counted.
  function refresh() {
    if (!E) return;
    var answers = {};
    rows.forEach(function (row) {
      var on = row.logic.relevant.every(function (ast) { return E.truthy(E.evaluate(ast, answers)); });
      row.tr.classList.toggle("off", !on);
      row.inputs.forEach(function (i) { i.disabled = !on; });
      var v = value(row);
      if (on && v.length) answers[row.name] = v;
    });
  }

  function inputs() {
    return [].slice.call(form.querySelectorAll("input:not([type=hidden]):not([disabled]), select"));
  }

  function moveFrom(el) {
    var list = inputs(), i = list.indexOf(el);
    if (i >= 0 && i < list.length - 1) { list[i + 1].focus(); list[i + 1].select && list[i + 1].select(); return true; }
    return false;
  }

  form.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    if (e.ctrlKey || e.metaKey) { e.preventDefault(); form.requestSubmit(); return; }
    e.preventDefault();
    refresh();
    if (!moveFrom(e.target)) form.requestSubmit();
  });

  form.addEventListener("input", function (e) {
    var el = e.target, codes = (el.getAttribute("data-codes") || "").split(" ");
    // All codes one character long and this one complete: go on without a key press.
    if (codes.length > 1 && codes.every(function (c) { return c.length === 1; }) && codes.indexOf(el.value.trim()) >= 0) {
      refresh();
      moveFrom(el);
    }
  });
  form.addEventListener("change", refresh);
  refresh();
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
