/* ankipress preview: gives each card side its note type's CSS, switches night mode and
   filters cards by the search box. Plain script: no storage, no network. */
"use strict";
(function () {
  var faces = Array.prototype.slice.call(document.querySelectorAll(".pv-face"));
  var cards = Array.prototype.slice.call(document.querySelectorAll(".pv-card"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".pv-deck, .pv-package"));
  var sheets = {};

  function sheet(id) {
    if (!sheets[id]) {
      sheets[id] = new CSSStyleSheet();
      sheets[id].replaceSync(document.getElementById(id).textContent);
    }
    return sheets[id];
  }

  function rootOf(face) {
    if (!face.shadowRoot) {
      // A browser without declarative shadow DOM left the <template> as it was.
      var template = face.querySelector("template");
      face.attachShadow({ mode: "open" }).appendChild(template.content);
      template.remove();
    }
    return face.shadowRoot;
  }

  faces.forEach(function (face) {
    rootOf(face).adoptedStyleSheets = [sheet("pv-css-base"), sheet(face.dataset.css)];
  });

  // Night mode: Anki puts nightMode (night_mode on older clients) on the card's <body>.
  var night = document.getElementById("pv-night");
  function setNight(on) {
    document.documentElement.classList.toggle("pv-night", on);
    night.setAttribute("aria-pressed", on ? "true" : "false");
    faces.forEach(function (face) {
      var card = face.shadowRoot.querySelector(".card");
      card.classList.toggle("nightMode", on);
      card.classList.toggle("night_mode", on);
    });
  }
  night.addEventListener("click", function () {
    setNight(night.getAttribute("aria-pressed") !== "true");
  });
  setNight(window.matchMedia("(prefers-color-scheme: dark)").matches);

  // Search: every word must occur in a card's text, tags, deck, note type or source.
  var search = document.getElementById("pv-search");
  var status = document.getElementById("pv-status");
  search.addEventListener("input", function () {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card) {
      var text = card.dataset.search;
      var hit = words.every(function (word) { return text.indexOf(word) >= 0; });
      card.hidden = !hit;
      if (hit) shown += 1;
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector(".pv-card:not([hidden])");
    });
    status.textContent = words.length ? shown + " of " + cards.length + " cards match" : "";
    document.getElementById("pv-none").hidden = shown > 0;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== search) {
      event.preventDefault();
      search.focus();
    }
  });

  // Called by MathJax when the page loads it: typeset inside each side's shadow root and
  // give the roots MathJax's own stylesheet, which it put in the page's <head>.
  window.ankipressTypeset = function () {
    var roots = faces.map(function (face) { return face.shadowRoot.querySelector(".card"); });
    return window.MathJax.typesetPromise(roots).then(function () {
      var style = document.getElementById("MJX-SVG-styles") ||
        document.getElementById("MJX-CHTML-styles");
      if (style) {
        var mathSheet = new CSSStyleSheet();
        mathSheet.replaceSync(style.textContent);
        faces.forEach(function (face) {
          face.shadowRoot.adoptedStyleSheets = face.shadowRoot.adoptedStyleSheets.concat(mathSheet);
        });
      }
      document.documentElement.dataset.math = "typeset";
    });
  };
})();
