// Attest's progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Move focus to the first form error summary so screen-reader users hear it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".form-errors");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  });

  // A form marked data-submit-once is sent once: its buttons are disabled after the first click.
  // (The server folds a repeat into the first send anyway: see apps/core/once.py.)
  function buttonsOf(form) {
    return form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.getAttribute("data-sending") === "true") {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) {
      return; // held back (files still uploading): the person will save again
    }
    form.setAttribute("data-sending", "true");
    // After this turn: a button disabled now would leave its own name and value out of the post.
    window.setTimeout(function () {
      Array.prototype.forEach.call(buttonsOf(form), function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  // On a small screen the main navigation folds behind a Menu button, a disclosure whose
  // aria-expanded says whether it is open. Without this script the button stays hidden and the
  // navigation stays open (attest.css folds it only under .js-nav).
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    var nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!nav) {
      return;
    }
    document.documentElement.classList.add("js-nav");
    toggle.hidden = false;
    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    }
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and puts focus back on its button.
    document.addEventListener("keydown", function (event) {
      var shown = window.getComputedStyle(toggle).display !== "none";
      if (event.key === "Escape" && shown && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  });

  // A table's scroll region (role="region", tabindex="0") is a stop for the Tab key only while
  // its table is wider than the screen: a table that fits needs no scrolling by keyboard.
  function fitRegions() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap[role=region]"), function (region) {
      if (region.scrollWidth > region.clientWidth + 1) {
        region.setAttribute("tabindex", "0");
      } else if (region !== document.activeElement) {
        region.setAttribute("tabindex", "-1");
      }
    });
  }
  var fitting = null;
  document.addEventListener("DOMContentLoaded", fitRegions);
  document.addEventListener("htmx:afterSettle", fitRegions);
  window.addEventListener("resize", function () {
    window.clearTimeout(fitting);
    fitting = window.setTimeout(fitRegions, 150);
  });

  // Back to the page from the browser's cache: the form may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), function (form) {
      form.removeAttribute("data-sending");
      Array.prototype.forEach.call(buttonsOf(form), function (button) {
        button.disabled = false;
      });
    });
  });
})();
