// Live salinity: the table with data-stream follows the dataset's server-sent events from the
// position the page was rendered at, and updates each station's row (or adds a new station).
// Text only (textContent): nothing a record carries is ever parsed as HTML.
(function () {
  "use strict";
  var table = document.querySelector("table[data-stream]");
  if (!table || typeof EventSource === "undefined") return;
  var status = document.querySelector(".live-status");
  var timeParts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit", hour12: false,
  });
  var vietnamTime = function (iso) {
    var parts = {};
    timeParts.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute;
  };
  var salinity = function (value) {
    return Number(value).toLocaleString("vi-VN", { maximumFractionDigits: 2 });
  };
  var say = function (text) { if (status) status.textContent = text; };

  function rowOf(station) {
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i += 1) {
      if (rows[i].getAttribute("data-station") === station) return rows[i];
    }
    var row = table.tBodies[0].insertRow(-1);
    row.setAttribute("data-station", station);
    var name = document.createElement("th");
    name.scope = "row";
    ["station-name", "station-mouth"].forEach(function (cls) {
      var part = document.createElement("span");
      part.className = cls;
      name.appendChild(part);
      name.appendChild(document.createTextNode(" "));
    });
    row.appendChild(name);
    ["num salinity-value", "measured-at"].forEach(function (cls) {
      row.insertCell(-1).className = cls;
    });
    return row;
  }

  function show(reading) {
    if (!reading || typeof reading.station_id !== "string") return;
    var row = rowOf(reading.station_id);
    var known = row.getAttribute("data-measured");
    if (known && new Date(known) > new Date(reading.measured_at)) return; // an older reading
    row.setAttribute("data-measured", reading.measured_at);
    var name = String(reading.station_name || reading.station_id);
    row.querySelector(".station-name").textContent = name;
    row.querySelector(".station-mouth").textContent = String(reading.river_mouth || "");
    row.querySelector(".salinity-value").textContent = salinity(reading.salinity_g_per_l);
    row.querySelector(".measured-at").textContent = vietnamTime(reading.measured_at);
    say("Trực tiếp: số đo mới của " + name + " lúc " + vietnamTime(reading.measured_at) + ".");
  }

  var source = new EventSource(table.getAttribute("data-stream"));
  source.addEventListener("open", function () { say("Đang theo dõi trực tiếp: số đo mới sẽ hiện ngay."); });
  source.addEventListener("record", function (event) {
    try {
      show(JSON.parse(event.data).value);
    } catch (problem) {
      say("Một số đo không đọc được; các số đo khác vẫn cập nhật.");
    }
  });
  source.addEventListener("error", function () { say("Mất kết nối trực tiếp, đang thử kết nối lại…"); });
  window.addEventListener("pagehide", function () { source.close(); });
})();
