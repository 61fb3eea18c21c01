// The agent console reloads when a call arrives or ends, unless the agent
// is typing a complaint.
(function () {
  "use strict";
  var root = document.querySelector("[data-agent-key]");
  if (!root || !window.fetch) return;
  var dirty = false;
  document.addEventListener("input", function () { dirty = true; });
  setInterval(function () {
    if (dirty) return;
    fetch("/agent/live.json", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (j) {
      if (j.key !== root.getAttribute("data-agent-key")) location.reload();
    }).catch(function () {});
  }, 1500);
})();
