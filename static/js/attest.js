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
