// myotrace serve: behaviour only. Every question, label and conclusion comes from the server.
(function () {
  "use strict";
  var token = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = token();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute("data-remove-row") && event.detail.xhr && event.detail.xhr.status === 204) {
      var row = elt.closest("tr");
      if (row) { row.remove(); }
    }
  });

  // ---- the pain map: click regions on either leg ------------------------------------------
  function regionName(el) {
    var title = el.querySelector("title");
    var text = title ? title.textContent : el.getAttribute("data-region").replace(/_/g, " ");
    return text.replace(/ \(painful\)$/, "");
  }

  function initPainMap(root) {
    var wrap = root.querySelector(".pain-input");
    if (!wrap || wrap.dataset.bound) { return; }
    wrap.dataset.bound = "1";
    var form = wrap.closest("form");
    var sideInput = form.querySelector("#pain-side");
    var tip = wrap.querySelector("#region-tip");
    var figures = Array.prototype.slice.call(wrap.querySelectorAll(".leg-figure"));
    var selected = {};
    var current = (wrap.getAttribute("data-current") || "").split(" ").filter(Boolean);
    var initialSide = sideInput.value;
    var chosen = sideInput.getAttribute("data-chosen") || "";  // the side chosen at creation: never changed here
    var own = function (figure, el) {  // a region of this figure's leg, not of the other half drawn beside it
      var half = el.closest("[data-side]");
      return half && half.getAttribute("data-side") === figure.getAttribute("data-leg");
    };
    figures.forEach(function (figure) {
      var leg = figure.getAttribute("data-leg");
      var start = (initialSide === "" || initialSide === "both" || initialSide === leg) ? current : [];
      selected[leg] = new Set(start);
    });
    var visibleLeg = function () {
      var shown = figures.filter(function (f) { return !f.classList.contains("hidden"); })[0];
      return shown ? shown.getAttribute("data-leg") : null;
    };
    function paint() {
      figures.forEach(function (figure) {
        var leg = figure.getAttribute("data-leg");
        figure.querySelectorAll("[data-region]").forEach(function (el) {
          if (!own(figure, el)) { return; }
          var on = selected[leg].has(el.getAttribute("data-region"));
          el.classList.toggle("selected", on);
          el.setAttribute("aria-checked", on ? "true" : "false");
        });
      });
      var union = new Set();
      var legs = [];
      Object.keys(selected).forEach(function (leg) {
        if (selected[leg].size) { legs.push(leg); }
        selected[leg].forEach(function (r) { union.add(r); });
      });
      form.querySelectorAll('input[name="region"]').forEach(function (box) { box.checked = union.has(box.value); });
      if (chosen) { sideInput.value = chosen; }
      else if (legs.length === 2) { sideInput.value = "both"; }
      else if (legs.length === 1) { sideInput.value = legs[0]; }
      else { sideInput.value = initialSide; }
    }
    function toggle(leg, region) {
      if (selected[leg].has(region)) { selected[leg].delete(region); } else { selected[leg].add(region); }
      paint();
    }
    function show(el) { tip.textContent = regionName(el) + " (" + el.closest("[data-side]").getAttribute("data-side") + ")"; }
    figures.forEach(function (figure) {
      var leg = figure.getAttribute("data-leg");
      figure.querySelectorAll("[data-region]").forEach(function (el) {
        if (!own(figure, el)) {  // the other leg's half: drawn for orientation, not a choice on this leg
          el.classList.add("other-side");
          el.setAttribute("data-other-region", el.getAttribute("data-region"));
          el.removeAttribute("data-region");
          return;
        }
        el.setAttribute("tabindex", "0");
        el.setAttribute("role", "checkbox");
        el.setAttribute("aria-label", regionName(el) + ", " + leg + " leg");
        el.addEventListener("click", function () { toggle(leg, el.getAttribute("data-region")); el.focus(); });
        el.addEventListener("keydown", function (event) {
          if (event.key === " " || event.key === "Enter") {
            event.preventDefault();
            event.stopPropagation();
            toggle(leg, el.getAttribute("data-region"));
          }
        });
        el.addEventListener("focus", function () { show(el); });
        el.addEventListener("mouseenter", function () { show(el); });
      });
    });
    form.querySelectorAll('input[name="region"]').forEach(function (box) {
      box.addEventListener("change", function () {
        var leg = visibleLeg();
        if (box.checked) { selected[leg].add(box.value); }
        else { Object.keys(selected).forEach(function (l) { selected[l].delete(box.value); }); }
        paint();
      });
    });
    root.querySelectorAll(".leg-button").forEach(function (button) {
      button.addEventListener("click", function () {
        var leg = button.getAttribute("data-leg");
        figures.forEach(function (f) { f.classList.toggle("hidden", f.getAttribute("data-leg") !== leg); });
        root.querySelectorAll(".leg-button").forEach(function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
      });
    });
    paint();
  }

  // ---- tender points: click the muscle's trigger-point site ------------------------------
  function initTenderSite(root) {
    var wrap = root.querySelector(".tender-input");
    if (!wrap || wrap.dataset.bound) { return; }
    wrap.dataset.bound = "1";
    var yes = root.querySelector('#question button[data-key="1"]');
    wrap.querySelectorAll("[data-muscle]").forEach(function (site) {
      site.setAttribute("tabindex", "0");
      site.setAttribute("role", "button");
      site.setAttribute("aria-label", "trigger-point site: pressing it reproduces the familiar pain");
      site.classList.add("site");
      var press = function () { if (yes) { yes.click(); } };
      site.addEventListener("click", press);
      site.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Enter") { event.preventDefault(); event.stopPropagation(); press(); }
      });
    });
  }

  // ---- why?: each press climbs one level ------------------------------------------------------
  function climbWhy() {
    var panel = document.getElementById("why-panel");
    if (!panel) { return; }
    panel.hidden = false;
    var next = panel.querySelector(".why-level[hidden]");
    if (next) { next.hidden = false; }
  }

  // ---- the derivation graph: why-not and what-if in one click ---------------------------------
  function initGraph(root) {
    var pane = root.querySelector(".graph-pane");
    if (!pane || pane.dataset.bound) { return; }
    pane.dataset.bound = "1";
    var name = pane.getAttribute("data-case");
    var go = function (node) {
      var target = node.getAttribute("data-target");
      if (!target) { return; }
      if (target.indexOf("finding:") === 0) {
        var flip = node.getAttribute("data-flip");
        if (flip) { window.location.href = "/teach/case/" + encodeURIComponent(name) + "/whatif?set=" + encodeURIComponent(flip); }
      } else {
        window.location.href = "/teach/case/" + encodeURIComponent(name) + "/whynot?target=" + encodeURIComponent(target);
      }
    };
    // the node the shown firing declared (else the facts it matched) is brought into the pane's view
    var scroller = pane.querySelector(".graph-scroll");
    var lit = pane.querySelector(".node.declared") || pane.querySelector(".node.matched");
    if (scroller && lit) {
      var r = lit.getBoundingClientRect(), box = scroller.getBoundingClientRect();
      scroller.scrollLeft += (r.left + r.width / 2) - (box.left + box.width / 2);
      scroller.scrollTop += (r.top + r.height / 2) - (box.top + box.height / 2);
    }
    pane.querySelectorAll(".node[data-target]").forEach(function (node) {
      if (!node.getAttribute("data-target")) { return; }
      node.classList.add("clickable");
      node.addEventListener("click", function () { go(node); });
      node.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); go(node); } });
    });
  }

  // ---- the teaching room: an educator's own case file, read in the browser into the form ----------
  function initOwnCase(root) {
    var file = root.querySelector("#own-file");
    var text = root.querySelector("#own-yaml");
    if (!file || !text || file.dataset.bound) { return; }
    file.dataset.bound = "1";
    file.addEventListener("change", function () {
      if (!file.files.length) { return; }
      var reader = new FileReader();
      reader.onload = function () { text.value = reader.result; };
      reader.readAsText(file.files[0]);
    });
  }

  function init(root) {
    initOwnCase(root);
    initPainMap(root);
    initTenderSite(root);
    initGraph(root);
  }
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { init(document); });

  document.addEventListener("click", function (event) {
    var el = event.target.closest("button, a");
    if (!el) { return; }
    if (el.id === "why") { climbWhy(); }
    if (el.id === "all-no") {
      document.querySelectorAll('#question input[type="radio"][value="false"]').forEach(function (r) { r.checked = true; });
    }
    if (el.hasAttribute("data-print")) { window.print(); }
  });

  // ---- keyboard: number keys, Enter, Backspace; arrows in the stepper -------------------------
  var ANSWER_INDEX = { "1": 0, "2": 1, "3": 2 };
  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !/^(radio|checkbox|button|submit)$/.test(el.type)));
  }
  function clickable(selector) {
    var el = document.querySelector(selector);
    return el && !el.disabled ? el : null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement)) { return; }
    var key = event.key;
    var question = document.getElementById("question");
    var checklist = question && ["red_flag_screen", "nerve_screen"].indexOf(question.getAttribute("data-kind")) >= 0;
    if (checklist && key in ANSWER_INDEX) {
      var rows = Array.prototype.slice.call(question.querySelectorAll(".flag-row"));
      var row = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".flag-row") : null;
      if (!row) { row = rows.filter(function (r) { return !r.querySelector("input:checked"); })[0] || rows[0]; }
      var radios = row.querySelectorAll('input[type="radio"]');
      radios[ANSWER_INDEX[key]].checked = true;
      var next = rows[rows.indexOf(row) + 1];
      (next ? next.querySelector('input[type="radio"]') : clickable("#submit")).focus();
      event.preventDefault();
      return;
    }
    var target = null;
    if (key === "Enter") {
      var active = document.activeElement;
      if (active && active !== document.body && (active.tagName === "BUTTON" || active.tagName === "A" ||
          active.getAttribute("tabindex") !== null)) { return; }
      target = clickable("[data-enter]");
    } else if (key === "Backspace") {
      target = clickable("[data-backspace]");
    } else if (key === "?" || key === "w") {
      target = clickable("#why");
    } else if (key === "ArrowRight" || key === "ArrowLeft") {
      target = clickable('[data-arrow="' + key + '"]');
    } else if (key >= "0" && key <= "9") {
      target = clickable('#question [data-key="' + key + '"]');
    }
    if (target) {
      event.preventDefault();
      target.click();  // a real click, so the button's name and value go with the form
    }
  });
})();
