// The evidence page, enhanced: bulk selection per outcome, judgement fields shown once a
// criterion is ticked, and keyboard shortcuts. Everything works without this file.
(function () {
  "use strict";

  function judgeOf(crit) { return crit.querySelector(".crit-judge select"); }

  function markMapped(crit) {
    var box = crit.querySelector('input[name="map"]');
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
    if (fieldset.querySelector(".crit-judge")) {
      bar.appendChild(button("Ticked: met", "Judge met every ticked criterion in " + name, function () {
        fieldset.querySelectorAll(".crit").forEach(function (crit) {
          var box = crit.querySelector('input[name="map"]');
          var judge = judgeOf(crit);
          var met = judge && judge.querySelector('option[value="met"]');
          if (box && box.checked && judge && met && !met.disabled) { judge.value = "met"; }
        });
      }));
    }
    if (legend) { legend.insertAdjacentElement("afterend", bar); } else { fieldset.prepend(bar); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("assess-form");
    document.querySelectorAll("fieldset[data-outcome]").forEach(enhanceOutcome);
    if (!form) { return; }
    document.documentElement.classList.add("js-assessment");
    var intro = document.getElementById("map-help");
    if (intro) {
      var hint = document.createElement("p");
      hint.className = "help";
      hint.textContent = "Keyboard: on a criterion's tick box, press M to tick it and judge it met, or N for not yet met.";
      intro.insertAdjacentElement("afterend", hint);
    }
    form.querySelectorAll(".grid-unit .crit").forEach(markMapped);
    form.addEventListener("change", function (event) {
      var crit = event.target.closest(".crit");
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
    // Keyboard: on a ticked criterion's checkbox, "m" judges it met, "n" not yet met.
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target.name !== "map" || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var crit = target.closest(".crit");
      var judge = crit && judgeOf(crit);
      if (!judge) { return; }
      var key = event.key.toLowerCase();
      if (key === "m" || key === "n") {
        var value = key === "m" ? "met" : "not_yet_met";
        var option = judge.querySelector('option[value="' + value + '"]');
        if (option && !option.disabled) {
          target.checked = true;
          judge.value = value;
          markMapped(crit);
          event.preventDefault();
        }
      }
    });
  });
})();
