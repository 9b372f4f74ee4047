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
})();
