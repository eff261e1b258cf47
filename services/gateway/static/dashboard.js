/* Klyngeforum dashboard: the live feed over Server-Sent Events, and cards that refresh after
   the events that change them. Shipped with the project; loads nothing from elsewhere.

   The feed (data-testid="live-feed") listens to GET /gateway/v1/events from just after the
   newest event the page was rendered with (?after=<seq>); EventSource resumes by itself with
   Last-Event-ID after a dropped connection. Each new event is prepended as one line: the
   type's name, the entity (its name or title when the event carries one, else the subject)
   and the time. Text from events is only ever set as text, never as HTML. */
(function () {
  "use strict";

  var MAX_ITEMS = 40;
  var RECONNECT_MS = 10000;
  var lang = document.documentElement.lang === "en" ? "en" : "da";
  var locale = lang === "en" ? "en-GB" : "da-DK";

  /* --- cards ------------------------------------------------------------------------- */

  function refreshCard(name) {
    var url = "/gateway/dashboard/cards/" + encodeURIComponent(name) + "?lang=" + lang;
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (resp) {
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.text();
      })
      .then(function (html) {
        var old = document.getElementById("card-" + name);
        var box = document.createElement("div");
        box.innerHTML = html.trim();
        var fresh = box.querySelector("#card-" + name);
        if (old && fresh) { old.replaceWith(fresh); }
      })
      .catch(function () { /* keep what is shown; the next event tries again */ });
  }

  var pending = {};
  function scheduleRefresh(name, delay) {
    if (pending[name]) { return; }
    pending[name] = window.setTimeout(function () {
      delete pending[name];
      refreshCard(name);
    }, delay);
  }

  function cardsFor(type) {
    var names = [];
    var cards = document.querySelectorAll("[data-refresh-on]");
    for (var i = 0; i < cards.length; i++) {
      var prefixes = (cards[i].getAttribute("data-refresh-on") || "").split(" ");
      for (var j = 0; j < prefixes.length; j++) {
        var p = prefixes[j];
        var name = cards[i].getAttribute("data-card");
        if (p && type.indexOf(p) === 0 && names.indexOf(name) < 0) { names.push(name); }
      }
    }
    return names;
  }

  var periodic = document.querySelectorAll("[data-refresh-every]");
  Array.prototype.forEach.call(periodic, function (el) {
    var seconds = parseInt(el.getAttribute("data-refresh-every"), 10);
    var name = el.getAttribute("data-card");
    if (seconds > 0) {
      window.setInterval(function () { if (!document.hidden) { refreshCard(name); } }, seconds * 1000);
    }
  });

  /* --- the live feed ------------------------------------------------------------------- */

  var feed = document.querySelector('[data-testid="live-feed"]');
  if (!feed) { return; }
  var list = feed.querySelector(".feed-list");
  var empty = feed.querySelector(".feed-empty");
  var status = feed.querySelector(".feed-status");
  var refreshDelay = parseInt(feed.getAttribute("data-refresh-delay") || "6000", 10);
  var labels = {};
  try { labels = JSON.parse(feed.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
  var types = (feed.getAttribute("data-types") || "").split(" ").filter(Boolean);
  var seen = {};
  var last = parseInt(feed.getAttribute("data-after") || "0", 10) || 0;
  Array.prototype.forEach.call(list.querySelectorAll("[data-seq]"), function (li) {
    seen[li.getAttribute("data-seq")] = true;
  });

  function setStatus(state) {
    status.className = "feed-status " + state;
    status.textContent = status.getAttribute("data-" + state) || state;
  }

  function timeText(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ""; }
    /* Danish time, as the server writes the first lines */
    var zone = { timeZone: "Europe/Copenhagen" };
    var day = function (x) { return x.toLocaleDateString("en-CA", zone); };
    var opts = day(d) === day(new Date())
      ? { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: zone.timeZone }
      : { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
          timeZone: zone.timeZone };
    return d.toLocaleString(locale, opts);
  }

  /* The generic line: type's name · what it is about · time. */
  function line(seq, type, ev) {
    var data = ev && typeof ev.data === "object" && ev.data ? ev.data : {};
    var about = data.name || data.title || ev.subject || "";
    var li = document.createElement("li");
    li.className = "feed-item new";
    li.setAttribute("data-testid", "feed-item");
    li.setAttribute("data-seq", String(seq));
    li.setAttribute("data-type", type);
    var tag = document.createElement("span");
    tag.className = "feed-label producer-" + type.split(".")[0];
    tag.textContent = labels[type] || type;
    var text = document.createElement("span");
    text.className = "feed-summary";
    text.textContent = about ? String(about) : type;
    text.title = type + (ev.subject ? " · " + ev.subject : "");
    var time = document.createElement("time");
    time.setAttribute("datetime", ev.time || "");
    time.textContent = timeText(ev.time);
    li.appendChild(tag);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(text);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(time);
    return li;
  }

  function onEvent(message) {
    var seq = parseInt(message.lastEventId, 10);
    if (!seq || seen[seq]) { return; }
    var ev;
    try { ev = JSON.parse(message.data); } catch (e) { return; }
    if (!ev || ev.recipient) { return; }  /* this page shows public events only */
    seen[seq] = true;
    last = Math.max(last, seq);
    var type = message.type && message.type !== "message" ? message.type : String(ev.type || "");
    list.insertBefore(line(seq, type, ev), list.firstChild);
    if (empty) { empty.hidden = true; }
    while (list.children.length > MAX_ITEMS) { list.removeChild(list.lastChild); }
    cardsFor(type).forEach(function (name) { scheduleRefresh(name, refreshDelay); });
  }

  if (!("EventSource" in window)) { setStatus("offline"); return; }

  function connect() {
    var url = feed.getAttribute("data-stream") + "?after=" + encodeURIComponent(String(last));
    var source = new EventSource(url);
    types.forEach(function (t) { source.addEventListener(t, onEvent); });
    source.addEventListener("message", onEvent);
    source.onopen = function () { setStatus("live"); };
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        /* the browser gave up (e.g. an error answer): try again later from the newest seen */
        setStatus("offline");
        window.setTimeout(connect, RECONNECT_MS);
      } else {
        setStatus("connecting");
      }
    };
  }
  setStatus("connecting");
  connect();
})();
