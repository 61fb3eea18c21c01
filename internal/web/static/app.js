// Nivaran: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-geo]").forEach(function (box) {
    var button = box.querySelector("[data-geo-button]");
    var status = box.querySelector("[data-geo-status]");
    var lat = box.querySelector("input[name=lat]");
    var lng = box.querySelector("input[name=long]");
    if (!button || !lat || !lng) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (p) {
        lat.value = p.coords.latitude.toFixed(6);
        lng.value = p.coords.longitude.toFixed(6);
        status.textContent = "✓ " + lat.value + ", " + lng.value;
      }, function (e) {
        status.textContent = e.message;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });
})();
