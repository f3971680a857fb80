// The shell on a phone: under 768 px the navigation folds behind a Menu button.
// Without this script the navigation simply stays open (nothing is hidden from anyone).
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 767px)");
  function setUp() {
    var nav = document.querySelector("nav.sidebar");
    var toggle = nav && nav.querySelector(".nav-toggle");
    if (!toggle) return;
    nav.classList.add("collapsible");
    toggle.hidden = false;
    function show(open) {
      nav.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      show(toggle.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && narrow.matches && nav.classList.contains("open")) {
        show(false);
        toggle.focus();
      }
    });
    show(false);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
