// The live wall: applies each change as it arrives (server-sent events),
// corrects every minute from the server's figures, reconnects by itself and
// catches up (the browser sends Last-Event-ID), reloads when told to.
(function () {
  "use strict";
  var wall = document.querySelector("[data-wall]");
  if (!wall || !window.EventSource) return;
  var open = {registered: 1, assigned: 1, in_progress: 1, reopened: 1, returned: 1};
  var conn = wall.querySelector("[data-conn]");
  var feed = wall.querySelector("[data-feed]");
  var note = wall.querySelector(".noscript-note");
  if (note) note.hidden = true;
  function cell(name) { return wall.querySelector('[data-count="' + name + '"]'); }
  function add(name, d) {
    var el = cell(name);
    if (el) el.textContent = String(Math.max(0, (parseInt(el.textContent, 10) || 0) + d));
  }
  function set(name, v) { var el = cell(name); if (el) el.textContent = String(v); }
  function apply(c) {
    if (c.kind === "file") {
      add("today", 1); add("last_hour", 1); add("channel-" + c.channel, 1);
      add("open", 1); add("status-" + c.status, 1); add("age-0", 1);
    } else if (c.from !== c.status) {
      if (open[c.from]) add("status-" + c.from, -1);
      if (open[c.status]) add("status-" + c.status, 1);
      if (open[c.from] && !open[c.status]) add("open", -1);
      if (!open[c.from] && open[c.status]) add("open", 1);
    }
    if (c.kind === "escalate") add("escalated", 1);
    if (c.kind === "file" && typeof c.lat === "number" && window.nivaranMap) window.nivaranMap.add(c.lat, c.long);
    var li = document.createElement("li");
    li.className = "new";
    var a = document.createElement("a");
    a.href = "/officer/complaints/" + c.number;
    a.textContent = c.number;
    li.appendChild(document.createTextNode(c.time + " · "));
    li.appendChild(a);
    li.appendChild(document.createTextNode(" · " + c.action + " · " + c.status_name + " · " + c.department));
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 25) feed.removeChild(feed.lastChild);
  }
  function refresh() {
    fetch("/control/wall.json", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      var t = 0, o = 0, k;
      for (k in s.today) { t += s.today[k]; }
      wall.querySelectorAll('[data-count^="channel-"]').forEach(function (el) { el.textContent = "0"; });
      for (k in s.today) set("channel-" + k, s.today[k]);
      wall.querySelectorAll('[data-count^="status-"]').forEach(function (el) { el.textContent = "0"; });
      for (k in s.open) { o += s.open[k]; set("status-" + k, s.open[k]); }
      set("today", t); set("open", o); set("last_hour", s.last_hour);
      set("overdue", s.overdue); set("escalated", s.escalated);
      for (var i = 0; i < 4; i++) set("age-" + i, s.ages[i]);
    }).catch(function () {});
  }
  var es = new EventSource("/control/wall/events?after=" + encodeURIComponent(wall.dataset.after || "0"));
  es.onopen = function () { conn.textContent = conn.dataset.live || "●"; wall.classList.remove("offline"); };
  es.onerror = function () { wall.classList.add("offline"); conn.textContent = "…"; };
  es.onmessage = function (e) { try { apply(JSON.parse(e.data)); } catch (err) {} };
  es.addEventListener("reload", function () { location.reload(); });
  setInterval(refresh, 60000);
})();
