// Charts of the work-order figures page (data from the #report-charts JSON block).
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("report-charts");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var render = function (id, option) {
      var el = document.getElementById(id);
      if (!el) return;
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    };
    render("chart-on-time", {
      tooltip: { trigger: "axis" },
      legend: { data: data.on_time.labels },
      xAxis: { type: "category", data: data.on_time.policies },
      yAxis: { type: "value", max: 100 },
      series: [
        { name: data.on_time.labels[0], type: "bar", data: data.on_time.resolution },
        { name: data.on_time.labels[1], type: "bar", data: data.on_time.closure },
      ],
    });
    render("chart-by-type", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: "60%", data: data.by_type }],
    });
    render("chart-by-region", {
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.by_region.names },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: data.by_region.values }],
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
