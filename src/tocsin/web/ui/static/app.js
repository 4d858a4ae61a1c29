// tocsin UI: small enhancements on top of server-rendered pages. No inline script anywhere (the
// Content-Security-Policy forbids it); everything here is wired through data- attributes.
(function () {
  "use strict";

  // Times are rendered on the server in the viewer's zone: tell it the browser's zone once.
  function rememberTimeZone() {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) return;
    var had = document.cookie.split("; ").find(function (c) { return c.indexOf("tz=") === 0; });
    var value = encodeURIComponent(zone);
    if (had === "tz=" + value) return;
    document.cookie = "tz=" + value + "; path=/; max-age=31536000; SameSite=Lax";
    if (!had && document.querySelector("time")) window.location.reload();
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function liveIncident(page) {
    var status = document.querySelector("[data-live-status]");
    var source = new EventSource(page.getAttribute("data-live"));
    source.addEventListener("entry", function (event) {
      var entry = fragment(event.data);
      if (!entry || document.getElementById(entry.id)) return;
      document.getElementById("timeline").appendChild(entry);
      entry.classList.add("fresh");
    });
    source.addEventListener("summary", function (event) {
      var summary = fragment(event.data);
      var current = document.getElementById("incident-summary");
      if (summary && current) {
        current.replaceWith(summary);
        if (window.htmx) window.htmx.process(summary);
        startCountdowns();
      }
    });
    source.addEventListener("open", function () { if (status) status.classList.remove("offline"); });
    source.addEventListener("error", function () { if (status) status.classList.add("offline"); });
  }

  function liveList(list) {
    var source = new EventSource(list.getAttribute("data-live-list"));
    source.addEventListener("changed", function () {
      if (window.htmx) window.htmx.trigger(list, "refresh");
    });
  }

  function spell(seconds) {
    var s = Math.abs(Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + r + "s";
  }

  var countdownTimer = null;
  function startCountdowns() {
    if (countdownTimer) window.clearInterval(countdownTimer);
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-deadline]"));
    if (!items.length) return;
    function tick() {
      var now = Date.now();
      items.forEach(function (item) {
        var left = (Date.parse(item.getAttribute("data-deadline")) - now) / 1000;
        item.textContent = left >= 0 ? "in " + spell(left) : "overdue by " + spell(left);
        item.classList.toggle("overdue", left < 0);
      });
    }
    tick();
    countdownTimer = window.setInterval(tick, 1000);
  }

  // The severity assessment: each answer suggests a severity; the most severe suggestion wins.
  function assessment(box) {
    var choices = Array.prototype.slice.call(document.querySelectorAll("input[name=severity]"));
    var order = choices.map(function (c) { return c.value.toLowerCase(); });
    var result = box.querySelector("[data-assess-result]");
    box.addEventListener("change", function () {
      var best = -1;
      box.querySelectorAll("input[data-severity]:checked").forEach(function (answer) {
        var rank = order.indexOf(answer.getAttribute("data-severity").toLowerCase());
        if (rank >= 0 && (best < 0 || rank < best)) best = rank;
      });
      if (best >= 0) {
        choices[best].checked = true;
        if (result) result.textContent = "Suggested severity: " + choices[best].value;
      } else if (result) {
        result.textContent = "No severity suggested yet: keep assessing.";
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-dismiss]") : null;
    if (button && button.parentElement) button.parentElement.remove();
  });

  document.addEventListener("DOMContentLoaded", function () {
    rememberTimeZone();
    var page = document.querySelector("[data-live]");
    if (page) liveIncident(page);
    var list = document.querySelector("[data-live-list]");
    if (list) liveList(list);
    var box = document.querySelector("[data-assess]");
    if (box) assessment(box);
    startCountdowns();
  });
  document.addEventListener("htmx:afterSwap", startCountdowns);
})();
