/* ankipress preview: gives each card's frame its note type's CSS and its height, stops its
   links, switches night mode and filters cards by the search box. The frames are sandboxed
   without scripts: only this script, the page's own, reaches into them. Plain script: no
   storage, no network. */
"use strict";
(function () {
  var faces = Array.prototype.slice.call(document.querySelectorAll(".pv-face"));
  var cards = Array.prototype.slice.call(document.querySelectorAll(".pv-card"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".pv-deck, .pv-package"));
  var nightOn = false;

  function frameOf(face) { return face.querySelector("iframe"); }
  function cardOf(face) {
    var doc = frameOf(face).contentDocument;
    return doc && doc.querySelector(".card");
  }

  function fit(face) {
    var frame = frameOf(face);
    var doc = frame.contentDocument;
    if (doc && doc.documentElement) {
      frame.style.height = "0px";
      frame.style.height = doc.documentElement.scrollHeight + "px";
    }
  }

  function style(doc, id) {
    var element = doc.createElement("style");
    element.textContent = document.getElementById(id).textContent;
    doc.head.appendChild(element);
  }

  function dress(face) {
    var doc = frameOf(face).contentDocument;
    // (Before its srcdoc has loaded, a frame holds an empty about:blank document.)
    if (!doc || !doc.head || doc.location.href !== "about:srcdoc" ||
        doc.documentElement.dataset.dressed) return;
    doc.documentElement.dataset.dressed = "1";
    style(doc, "pv-css-base");
    style(doc, face.dataset.css);
    var card = doc.querySelector(".card");
    if (card) {
      card.classList.toggle("nightMode", nightOn);
      card.classList.toggle("night_mode", nightOn);
    }
    // A card navigates nowhere: its links are shown, not followed.
    doc.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("a[href], area[href]")) {
        event.preventDefault();
      }
    }, true);
    doc.addEventListener("submit", function (event) { event.preventDefault(); }, true);
    Array.prototype.forEach.call(doc.images, function (img) {
      img.addEventListener("load", function () { fit(face); });
    });
    fit(face);
  }

  faces.forEach(function (face) {
    var frame = frameOf(face);
    frame.addEventListener("load", function () { dress(face); });
    dress(face); // a frame that loaded before this script ran
  });
  window.addEventListener("resize", function () { faces.forEach(fit); });

  // Night mode: Anki puts nightMode (night_mode on older clients) on the card's <body>.
  var night = document.getElementById("pv-night");
  function setNight(on) {
    nightOn = on;
    document.documentElement.classList.toggle("pv-night", on);
    night.setAttribute("aria-pressed", on ? "true" : "false");
    faces.forEach(function (face) {
      var card = cardOf(face);
      if (card) {
        card.classList.toggle("nightMode", on);
        card.classList.toggle("night_mode", on);
      }
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
    faces.forEach(function (face) { if (!face.closest("[hidden]")) fit(face); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== search) {
      event.preventDefault();
      search.focus();
    }
  });

  // Called by MathJax when the page loads it: typeset inside each frame and give the
  // frames MathJax's own stylesheet, which it put in the page's <head>.
  function loaded(face) {
    return new Promise(function (resolve) {
      var frame = frameOf(face);
      var doc = frame.contentDocument;
      if (doc && doc.readyState === "complete" && doc.location.href === "about:srcdoc") {
        resolve();
      } else {
        frame.addEventListener("load", function () { resolve(); }, { once: true });
      }
    });
  }

  window.ankipressTypeset = function () {
    return Promise.all(faces.map(loaded)).then(function () {
      faces.forEach(dress);
      return window.MathJax.typesetPromise(faces.map(cardOf).filter(Boolean));
    }).then(function () {
      var mathStyle = document.getElementById("MJX-SVG-styles") ||
        document.getElementById("MJX-CHTML-styles");
      faces.forEach(function (face) {
        var doc = frameOf(face).contentDocument;
        if (mathStyle && doc) {
          var element = doc.createElement("style");
          element.textContent = mathStyle.textContent;
          doc.head.appendChild(element);
        }
        fit(face);
      });
      document.documentElement.dataset.math = "typeset";
    });
  };
})();
