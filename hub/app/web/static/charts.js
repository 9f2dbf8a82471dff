// Kho's charts: each element with data-chart="<table id>" draws that table's rows (data-period,
// data-value) as a line with uPlot. The table stays on the page and holds every figure: the
// chart only enhances it, and without this script or uPlot the page loses nothing.
(function () {
  "use strict";
  if (typeof uPlot === "undefined") return;
  var HEIGHT = 220;
  var number = function (value, digits) {
    return value == null ? "" : value.toLocaleString("vi-VN", { maximumFractionDigits: digits });
  };
  var monthLabel = function (key) {
    var parts = key.split("-");
    return Number(parts[1]) + "/" + parts[0];
  };

  function draw(container) {
    var table = document.getElementById(container.getAttribute("data-chart"));
    if (!table || !table.tBodies.length) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    if (rows.length < 2) return; // one month is a number, not a line
    var labels = rows.map(function (row) { return monthLabel(row.getAttribute("data-period")); });
    var xs = rows.map(function (_, index) { return index; });
    var ys = rows.map(function (row) { return Number(row.getAttribute("data-value")); });
    var width = function () { return Math.max(240, container.clientWidth); };
    var options = {
      width: width(),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: { range: [0, 100] } },
      series: [
        {},
        {
          label: "Tỷ lệ đạt (%)",
          stroke: "#006b5a",
          width: 2,
          fill: "rgba(0, 107, 90, 0.08)",
          points: { size: 7, fill: "#006b5a" },
          value: function (_, value) { return number(value, 1); },
        },
      ],
      axes: [
        {
          incrs: [1, 2, 3, 6, 12],
          space: 48,
          values: function (_, splits) {
            return splits.map(function (split) {
              return Number.isInteger(split) && labels[split] ? labels[split] : "";
            });
          },
        },
        { values: function (_, splits) { return splits.map(function (s) { return number(s, 0); }); } },
      ],
    };
    var plot = new uPlot(options, [xs, ys], container);
    window.addEventListener("resize", function () { plot.setSize({ width: width(), height: HEIGHT }); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
})();
