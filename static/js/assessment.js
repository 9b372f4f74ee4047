// The evidence page, enhanced: bulk selection per outcome, judgement fields shown once a
// criterion is ticked (made here for the rows the page sends without them), units' grids
// fetched when opened (htmx, then enhanced here too), and keyboard shortcuts. Everything
// works without this file: the page then links to its units with their fields.
(function () {
  "use strict";

  function judgeOf(crit) { return crit.querySelector(".crit-judge select"); }

  function make(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function labelled(forId, text, hidden, after) {
    var label = make("label", { "for": forId }, text);
    label.appendChild(make("span", { "class": "visually-hidden" }, hidden));
    if (after) { label.appendChild(document.createTextNode(after)); }
    return label;
  }

  // The judgement fields of a ticked criterion, as templates/assessment/includes/judgement.html
  // draws them: made once, where the page left them out to stay small.
  function ensureJudge(crit) {
    var existing = judgeOf(crit);
    if (existing) { return existing; }
    var box = crit.querySelector('input[name="map"]');
    var unit = crit.closest("[data-unit]");
    if (!box || !unit) { return null; }
    // Named as the page names them: "unit 01, 1.1" (a criterion without a number shows "–").
    var number = crit.querySelector(".crit-num");
    number = number ? number.textContent.trim() : "";
    var name = "unit " + unit.getAttribute("data-unit") + ", " + (number === "–" ? "" : number);
    var key = box.value;
    var fields = make("div", { "class": "crit-judge" });
    var judgement = make("div", { "class": "field" });
    judgement.appendChild(labelled("judge-" + key, "Judgement", " for " + name));
    var select = make("select", { name: "judge-" + key, id: "judge-" + key });
    [["", "Choose"], ["met", "Met"], ["not_yet_met", "Not yet met"]].forEach(function (option) {
      select.appendChild(make("option", { value: option[0] }, option[1]));
    });
    // Where this evidence cannot meet the criterion, "met" cannot be chosen, and the reason
    // is read with the field.
    var why = crit.querySelector(".refusal-short");
    if (why) {
      select.querySelector('option[value="met"]').disabled = true;
      var described = [why.id];
      var outcome = crit.closest("fieldset");
      var outcomeWhy = outcome && outcome.querySelector(".refusal[id]");
      if (outcomeWhy) { described.push(outcomeWhy.id); }
      select.setAttribute("aria-describedby", described.join(" "));
    }
    judgement.appendChild(select);
    var feedback = make("div", { "class": "field" });
    feedback.appendChild(labelled("feedback-" + key, "Feedback", " on " + name, " (optional)"));
    feedback.appendChild(make("textarea", { name: "feedback-" + key, id: "feedback-" + key, rows: "1" }));
    fields.appendChild(judgement);
    fields.appendChild(feedback);
    crit.appendChild(fields);
    return select;
  }

  function markMapped(crit) {
    var box = crit.querySelector('input[name="map"]');
    if (box && box.checked) { ensureJudge(crit); }
    var judge = judgeOf(crit);
    var mapped = (box && box.checked) || (judge && judge.value);
    crit.classList.toggle("is-mapped", Boolean(mapped));
  }

  function button(text, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button secondary small";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function enhanceOutcome(fieldset) {
    if (fieldset.hasAttribute("data-enhanced")) { return; }
    fieldset.setAttribute("data-enhanced", "");
    var boxes = fieldset.querySelectorAll('input[type="checkbox"]:not([disabled])');
    if (boxes.length < 2) { return; }
    var legend = fieldset.querySelector("legend");
    var name = fieldset.getAttribute("data-outcome") || (legend ? legend.textContent.trim() : "this group");
    var bar = document.createElement("div");
    bar.className = "bulk";
    bar.appendChild(button("Tick all", "Tick all in " + name, function () {
      boxes.forEach(function (box) { box.checked = true; box.dispatchEvent(new Event("change", { bubbles: true })); });
    }));
    bar.appendChild(button("Untick all", "Untick all in " + name, function () {
      boxes.forEach(function (box) { box.checked = false; box.dispatchEvent(new Event("change", { bubbles: true })); });
    }));
    if (fieldset.querySelector('.crit input[name="map"]')) {
      bar.appendChild(button("Ticked: met", "Judge met every ticked criterion in " + name, function () {
        fieldset.querySelectorAll(".crit").forEach(function (crit) {
          var box = crit.querySelector('input[name="map"]');
          var judge = box && box.checked ? ensureJudge(crit) : null;
          var met = judge && judge.querySelector('option[value="met"]');
          if (judge && met && !met.disabled) { judge.value = "met"; }
        });
      }));
    }
    if (legend) { legend.insertAdjacentElement("afterend", bar); } else { fieldset.prepend(bar); }
  }

  // Elements matching the selector in root, root itself included.
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) { found.unshift(root); }
    return found;
  }

  function enhance(root) {
    within(root, "fieldset[data-outcome]").forEach(enhanceOutcome);
    if (document.getElementById("assess-form")) {
      within(root, ".grid-unit .crit").forEach(markMapped);
    }
  }

  // A unit's grid fetched when opened (htmx announces each new element): the same
  // enhancements as the page's own units.
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) { enhance(event.target); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("assess-form");
    enhance(document);
    if (!form) { return; }
    document.documentElement.classList.add("js-assessment");
    var intro = document.getElementById("map-help");
    if (intro) {
      var hint = document.createElement("p");
      hint.className = "help";
      hint.textContent = "Keyboard: on a criterion's tick box, press M to tick it and judge it met, or N for not yet met.";
      intro.insertAdjacentElement("afterend", hint);
    }
    form.addEventListener("change", function (event) {
      var crit = event.target.closest(".crit");
      // Unticking a criterion withdraws its judgement too: a hidden judgement would still be posted.
      if (crit && event.target.name === "map" && !event.target.checked) {
        var judged = judgeOf(crit);
        if (judged) { judged.value = ""; }
      }
      if (crit) { markMapped(crit); }
      // Choosing a judgement for an unticked criterion ticks it: a judgement is a mapping.
      if (crit && event.target.tagName === "SELECT" && event.target.value) {
        var box = crit.querySelector('input[name="map"]');
        if (box) { box.checked = true; markMapped(crit); }
      }
      var suggestion = event.target.closest(".suggestion");
      if (suggestion && event.target.value === "reject") {
        var select = suggestion.querySelector("select");
        if (select) { select.value = ""; }
      }
    });
    // Keyboard: on a criterion's checkbox, "m" ticks it and judges it met, "n" not yet met.
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target.name !== "map" || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var key = event.key.toLowerCase();
      if (key !== "m" && key !== "n") { return; }
      var crit = target.closest(".crit");
      var judge = crit && ensureJudge(crit);
      if (!judge) { return; }
      var value = key === "m" ? "met" : "not_yet_met";
      var option = judge.querySelector('option[value="' + value + '"]');
      if (option && !option.disabled) {
        target.checked = true;
        judge.value = value;
        markMapped(crit);
        event.preventDefault();
      }
    });
  });
})();
