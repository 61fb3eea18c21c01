// The wall's helpline panel: agents by status with their time in it, the
// queue and today's answered/abandoned calls, polled every 2 s.
(function () {
  "use strict";
  var box = document.querySelector("[data-helpline]");
  if (!box || !window.fetch) return;
  function cell(n) { return box.querySelector('[data-help="' + n + '"]'); }
  function mmss(s) { s = Math.max(0, s | 0); var m = Math.floor(s / 60), r = s % 60; return m + ":" + (r < 10 ? "0" : "") + r; }
  function refresh() {
    fetch("/control/helpline.json", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (h) {
      cell("waiting").textContent = String(h.Waiting);
      cell("longest").textContent = mmss(h.LongestWait);
      cell("answered").textContent = String(h.Answer);
      cell("abandoned").textContent = String(h.Abandoned);
      cell("missed").textContent = String(h.Missed);
      var body = cell("agents");
      while (body.firstChild) body.removeChild(body.firstChild);
      (h.Agents || []).forEach(function (a) {
        var tr = document.createElement("tr");
        tr.className = "agent-" + a.Status;
        [a.Name, a.StatusName + (a.Reason ? " (" + a.Reason + ")" : ""), mmss(a.Seconds)].forEach(function (t) {
          var td = document.createElement("td"); td.textContent = t; tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    }).catch(function () {});
  }
  setInterval(refresh, 2000);
})();
