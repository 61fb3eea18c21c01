// The live wall's map (Leaflet, with the district's own tile server): today's
// complaints with a location as dots; wall.js adds new ones as they arrive.
(function () {
  "use strict";
  var el = document.querySelector("[data-map]");
  if (!el || !window.L) return;
  var map = L.map(el, {zoomControl: false, attributionControl: true});
  L.tileLayer(el.dataset.tiles, {maxZoom: 18, attribution: el.dataset.credit || ""}).addTo(map);
  var points = [];
  try { points = JSON.parse(el.dataset.points || "[]"); } catch (e) {}
  var dots = L.featureGroup().addTo(map);
  function add(lat, lng, fresh) {
    L.circleMarker([lat, lng], {radius: fresh ? 8 : 5, weight: 1, color: fresh ? "#b00020" : "#0b3d91", fillOpacity: 0.6}).addTo(dots);
  }
  points.forEach(function (p) { add(p[0], p[1], false); });
  if (points.length > 0) {
    map.fitBounds(dots.getBounds().pad(0.1));
  } else {
    map.setView([26.85, 80.95], 11);
  }
  window.nivaranMap = {add: function (lat, lng) { add(lat, lng, true); }};
})();
