/* Hài Lòng survey enhancement. Without this script the page is one long form that posts normally;
   with it: one section at a time, live skip logic, checks before moving on, a progress bar, answers
   kept on the device until sent, and no double submission. Needs methodology/expressions.js. */
(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (!form || !window.HailongExpr) return;
  var E = window.HailongExpr;
  var T = JSON.parse(form.getAttribute("data-i18n") || "{}");
  document.documentElement.className += " js";

  var blocks = [].slice.call(form.querySelectorAll(".block"));
  var items = [].slice.call(form.querySelectorAll(".q[data-logic]")).map(function (el) {
    var logic = JSON.parse(el.getAttribute("data-logic"));
    logic.relevant = logic.relevant || [];
    logic.requiredMessage = logic.requiredMessage || T.required;
    logic.constraintMessage = logic.constraintMessage || T.constraint;
    return { el: el, name: el.getAttribute("data-name"), logic: logic };
  });
  var submitButton = document.getElementById("submit");
  var actions = form.querySelector(".actions");
  var storeKey = "hailong:" + form.getAttribute("action");
  var current = 0;

  function fields(name) {
    return [].slice.call(form.querySelectorAll('[name="' + name + '"], [name^="' + name + '__"]'));
  }

  // The raw value of a question as the server would read it from the post.
  function read(item) {
    var kind = item.logic.kind, els = fields(item.name);
    if (kind === "multiple") return els.filter(function (e) { return e.checked; }).map(function (e) { return e.value; });
    if (kind === "ranking") return els.map(function (e) { return e.value; }).filter(Boolean);
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      if (e.type === "radio" || e.type === "checkbox") { if (e.checked) return e.value; }
      else return e.value.trim();
    }
    return "";
  }

  function empty(v) { return v === "" || v == null || (Array.isArray(v) && !v.length); }

  // Relevance in form order, as the server computes it: a question that is not shown counts as
  // unanswered for every later expression.
  function evaluateAll() {
    var answers = {}, shown = {};
    items.forEach(function (item) {
      var ok = item.logic.relevant.every(function (ast) { return E.truthy(E.evaluate(ast, answers)); });
      shown[item.name] = ok;
      if (ok) { var v = read(item); if (!empty(v)) answers[item.name] = v; }
    });
    return { answers: answers, shown: shown };
  }

  function visibleBlocks() {
    return blocks.filter(function (b) { return !b.hidden; });
  }

  function refresh() {
    var state = evaluateAll();
    items.forEach(function (item) {
      item.el.hidden = !state.shown[item.name];
      fields(item.name).forEach(function (f) { f.disabled = item.el.hidden; });
    });
    blocks.forEach(function (b) {
      b.hidden = !b.querySelector(".q:not([hidden])");
    });
    return state;
  }

  function setError(item, message) {
    var p = item.el.querySelector(".error.live");
    if (!message) { if (p) p.remove(); item.el.classList.remove("invalid"); return; }
    if (!p) {
      p = document.createElement("p");
      p.className = "error live";
      p.id = item.name + "-live-err";
      var anchor = item.el.querySelector("legend, label");
      anchor.parentNode.insertBefore(p, anchor.nextSibling);
    }
    p.textContent = message;
    item.el.classList.add("invalid");
  }

  function check(block) {
    var state = evaluateAll(), first = null;
    items.forEach(function (item) {
      if (block && !block.contains(item.el)) return;
      if (!state.shown[item.name]) return setError(item, "");
      var v = read(item), message = "";
      if (empty(v)) { if (item.logic.required) message = item.logic.requiredMessage; }
      else if (item.logic.constraint && !E.truthy(E.evaluate(item.logic.constraint, state.answers, v))) {
        message = item.logic.constraintMessage;
      }
      setError(item, message);
      if (message && !first) first = item;
    });
    return first;
  }

  function show(index) {
    var visible = visibleBlocks();
    current = Math.max(0, Math.min(index, visible.length - 1));
    visible.forEach(function (b, i) { b.style.display = i === current ? "" : "none"; });
    var last = current === visible.length - 1;
    prev.hidden = current === 0;
    next.hidden = last;
    submitButton.hidden = !last;
    var bar = document.getElementById("progress");
    bar.hidden = visible.length < 2;
    bar.querySelector("span").style.width = Math.round(100 * (current + 1) / visible.length) + "%";
    bar.querySelector("p").textContent = (T.step || "%(i)s / %(n)s").replace("%(i)s", current + 1).replace("%(n)s", visible.length);
  }

  function button(label, cls) {
    var b = document.createElement("button");
    b.type = "button"; b.className = cls; b.textContent = label;
    actions.insertBefore(b, actions.firstChild);
    return b;
  }
  var next = button(T.next || "Next", "primary");
  var prev = button(T.prev || "Back", "secondary");

  function focusBlock() {
    var block = visibleBlocks()[current];
    var heading = block && block.querySelector("h2");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    window.scrollTo(0, form.offsetTop);
  }

  next.addEventListener("click", function () {
    var bad = check(visibleBlocks()[current]);
    if (bad) { (bad.el.querySelector("input, select, textarea") || bad.el).focus(); return; }
    refresh(); show(current + 1); focusBlock();
  });
  prev.addEventListener("click", function () { show(current - 1); focusBlock(); });

  form.addEventListener("change", function () { refresh(); show(current); save(); });
  // Typed answers update the skip logic as they are typed, not when the field is left: a question
  // appearing on blur would move the page under the respondent's next tap.
  var typing = null;
  form.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { refresh(); show(current); save(); }, 250);
  });

  form.addEventListener("submit", function (event) {
    var action = event.submitter && event.submitter.value;
    if (action !== "save") {
      refresh();
      var bad = check(null);
      if (bad) {
        event.preventDefault();
        show(visibleBlocks().indexOf(bad.el.closest(".block")));
        (bad.el.querySelector("input, select, textarea") || bad.el).focus();
        return;
      }
    }
    // One click, one submission: the button stays off while the page is on its way.
    [].slice.call(form.querySelectorAll("button[type=submit]")).forEach(function (b) {
      setTimeout(function () { b.disabled = true; }, 0);
    });
    if (action !== "save") { try { localStorage.removeItem(storeKey); } catch (e) { /* private mode */ } }
  });

  // Answers stay on this device until they are sent, so a closed tab or a lost signal loses nothing.
  function save() {
    try {
      var data = { instance_id: form.elements.instance_id.value, values: {} };
      items.forEach(function (item) { data.values[item.name] = read(item); });
      localStorage.setItem(storeKey, JSON.stringify(data));
    } catch (e) { /* storage full or disabled: the server draft still works */ }
  }

  function restore(data) {
    form.elements.instance_id.value = data.instance_id;
    items.forEach(function (item) {
      var v = data.values[item.name];
      if (empty(v)) return;
      var list = Array.isArray(v) ? v : [v];
      fields(item.name).forEach(function (f, i) {
        if (f.type === "radio" || f.type === "checkbox") f.checked = list.indexOf(f.value) >= 0;
        else if (item.logic.kind === "ranking") f.value = list[i] || "";
        else f.value = v;
      });
    });
  }

  var stored = null;
  try { stored = JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { stored = null; }
  var fresh = !document.getElementById("error-summary") && !form.elements.resume_code.value;
  if (stored && fresh && Object.keys(stored.values || {}).some(function (k) { return !empty(stored.values[k]); })) {
    var banner = document.createElement("div");
    banner.className = "box"; banner.setAttribute("role", "status");
    banner.innerHTML = "<p></p>";
    banner.firstChild.textContent = T.resume || "Continue where you left off?";
    var yes = document.createElement("button"), no = document.createElement("button");
    yes.type = no.type = "button"; yes.className = "primary"; no.className = "secondary";
    yes.textContent = T.resumeYes || "Continue"; no.textContent = T.resumeNo || "Start again";
    banner.appendChild(yes); banner.appendChild(no);
    form.parentNode.insertBefore(banner, form);
    yes.addEventListener("click", function () { restore(stored); banner.remove(); refresh(); show(0); });
    no.addEventListener("click", function () { localStorage.removeItem(storeKey); banner.remove(); });
  }

  refresh();
  var errorSummary = document.getElementById("error-summary");
  if (errorSummary) {
    var firstBad = form.querySelector(".q.invalid");
    show(firstBad ? visibleBlocks().indexOf(firstBad.closest(".block")) : 0);
    errorSummary.focus();
  } else {
    show(0);
  }
})();
