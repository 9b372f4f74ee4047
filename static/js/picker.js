// The criteria picker (templates/includes/criteria_picker.html, apps/evidence/picker.py).
// The page carries the criteria of the planned units and of units with a tick; the other units
// are summary lines. Opening one, or searching words, fetches every unit's criteria once (the
// same page with ?units=all) and puts them in place. Without this file a link on each unit
// reloads the page with it.
// The search: a unit number shows that unit; words show the units whose title has them all,
// whole, and elsewhere only the criteria that have them all. Ticked criteria are never hidden.
(function () {
  "use strict";

  function plain(text) {
    return (text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[\u2010-\u2015]/g, "-").replace(/\s+/g, " ").trim();
  }

  function noZeros(number) {
    return number.replace(/^0+(?=.)/, "");
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function setUp(picker) {
    var box = picker.querySelector("[data-picker-search]");
    var input = box && box.querySelector("input[type=search]");
    var status = picker.querySelector("[data-picker-status]");
    var others = picker.querySelector("[data-picker-others]");
    if (!input) {
      return;
    }
    var units = index();
    var loading = null;
    var failed = false;

    function index() {
      return Array.prototype.map.call(picker.querySelectorAll("details.picker-unit"), function (el) {
        var name = el.querySelector(".picker-unit-name");
        return {
          el: el,
          number: plain(el.getAttribute("data-unit")),
          title: plain(name ? name.textContent : ""),
          outcomes: Array.prototype.map.call(el.querySelectorAll("fieldset.outcome"), function (fs) {
            return {
              el: fs,
              crits: Array.prototype.map.call(fs.querySelectorAll("label.picker-crit"), function (label) {
                return { el: label, box: label.querySelector("input"), text: plain(label.textContent) };
              })
            };
          })
        };
      });
    }

    function pending() {
      return picker.querySelectorAll("details.picker-unit[data-pending]");
    }

    // Every unit's criteria, fetched once: the same page asked for every unit.
    function loadAll() {
      if (!pending().length) {
        return Promise.resolve();
      }
      if (!loading) {
        var url = new URL(window.location.href);
        url.searchParams.delete("open");
        url.searchParams.set("units", "all");
        url.hash = "";
        loading = fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (response) {
            if (!response.ok) {
              throw new Error("HTTP " + response.status);
            }
            return response.text();
          })
          .then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            Array.prototype.forEach.call(pending(), function (el) {
              var source = doc.getElementById(el.id);
              var body = source && source.querySelector(".picker-body");
              var mine = el.querySelector(".picker-body");
              if (!body || !mine || !body.querySelector("input[name=criteria]")) {
                return;
              }
              // Nothing in a unit still to load was ticked here: start it unticked whatever was saved.
              Array.prototype.forEach.call(body.querySelectorAll("input[name=criteria]"), function (box) {
                box.checked = false;
                box.removeAttribute("checked");
              });
              mine.parentNode.replaceChild(document.adoptNode(body), mine);
              el.removeAttribute("data-pending");
              el.removeAttribute("aria-busy");
            });
            units = index();
          });
        loading.catch(function () {
          loading = null;
          failed = true;
          status.textContent = "The other units' criteria could not be loaded. Use the link in a unit to see its criteria.";
        });
      }
      return loading;
    }

    picker.addEventListener("toggle", function (event) {
      var el = event.target;
      if (el.matches && el.matches("details.picker-unit[data-pending]") && el.open) {
        el.setAttribute("aria-busy", "true");
        loadAll().catch(function () { el.removeAttribute("aria-busy"); });
      }
    }, true);
    Array.prototype.forEach.call(picker.querySelectorAll("[data-picker-noscript]"), function (el) {
      el.hidden = true;
    });

    var saved = null; // open states before a search, put back when it is cleared

    function remember() {
      saved = { others: others ? others.open : false, units: units.map(function (u) { return u.el.open; }) };
    }

    function restore() {
      units.forEach(function (u, i) {
        u.el.hidden = false;
        u.el.open = saved.units[i] || !!u.el.querySelector("input:checked");
        u.outcomes.forEach(function (o) {
          o.el.hidden = false;
          o.crits.forEach(function (c) { c.el.hidden = false; });
        });
      });
      if (others) {
        others.hidden = false;
        others.open = saved.others || !!others.querySelector("input:checked");
      }
      saved = null;
    }

    function has(text, terms) {
      return terms.every(function (t) { return text.indexOf(t) !== -1; });
    }

    function search() {
      var q = plain(input.value).replace(/^unit\s*/, "");
      if (!q) {
        if (saved) {
          restore();
        }
        status.textContent = "";
        return;
      }
      if (!saved) {
        remember();
      }
      var terms = q.split(" ");
      var isNumber = /^\d+[a-z]?$/.test(q);
      if (!isNumber && pending().length && !failed) {
        status.textContent = "Looking through every unit…";
        loadAll().then(search, function () {});
        return;
      }
      var shownUnits = 0, shownCrits = 0, othersShown = false;
      units.forEach(function (u) {
        var byNumber = isNumber && (u.number === q || noZeros(u.number) === noZeros(q));
        var wholeUnit = byNumber || (!isNumber && has(u.title, terms));
        var matched = wholeUnit, shown = false;
        u.outcomes.forEach(function (o) {
          var inOutcome = false;
          o.crits.forEach(function (c) {
            var hit = wholeUnit || (!isNumber && has(c.text, terms));
            c.el.hidden = !(hit || c.box.checked);
            inOutcome = inOutcome || !c.el.hidden;
            if (hit) {
              shownCrits += 1;
              matched = true;
            }
          });
          o.el.hidden = !inOutcome;
          shown = shown || inOutcome;
        });
        u.el.hidden = !(shown || matched);
        u.el.open = matched || shown;
        if (matched) {
          shownUnits += 1;
        }
        if (matched || shown) {
          othersShown = othersShown || (others && others.contains(u.el));
        }
      });
      if (others) {
        others.open = othersShown;
        others.hidden = !others.querySelector("details.picker-unit:not([hidden])");
      }
      status.textContent = shownUnits
        ? plural(shownUnits, "unit", "units") + " and " + plural(shownCrits, "criterion", "criteria") + " found."
        : "Nothing found for “" + input.value.trim() + "”. Clear the search to see every unit.";
    }

    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 120);
    });
    input.addEventListener("search", search); // the box's own clear button
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // finding is not saving: Enter here must not send the form
        window.clearTimeout(timer);
        search();
      } else if (event.key === "Escape" && input.value) {
        event.preventDefault();
        input.value = "";
        search();
      }
    });

    // Keep each unit's "n ticked" in step with its boxes.
    picker.addEventListener("change", function (event) {
      var unit = event.target.closest && event.target.closest("details.picker-unit");
      var count = unit && unit.querySelector("[data-picker-ticked]");
      if (count) {
        var n = unit.querySelectorAll("input[name=criteria]:checked").length;
        count.textContent = n ? ", " + n + " ticked" : "";
      }
    });
    box.hidden = false;
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
