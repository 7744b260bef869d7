// Draws the usage charts from the JSON in #usage-chart-data; runs again after each htmx swap.
(function () {
  "use strict";

  function compactNumber(value) {
    return new Intl.NumberFormat(document.documentElement.lang || "en", { notation: "compact" }).format(value);
  }

  function buildChart(canvas, data, metric) {
    const datasets = data[metric].map(function (source) {
      return { type: "bar", label: source.label, data: source.data, backgroundColor: source.color, stack: "sources" };
    });
    if (metric === "tokens" && data.spikes.length) {
      const totals = data.labels.map(function (_label, index) {
        return data.tokens.reduce(function (sum, source) { return sum + source.data[index]; }, 0);
      });
      const markers = data.labels.map(function () { return null; });
      const tooltips = {};
      data.spikes.forEach(function (spike) {
        markers[spike.index] = totals[spike.index];
        tooltips[spike.index] = spike.tooltip;
      });
      datasets.push({
        type: "line", label: data.spikeLabel, data: markers, showLine: false,
        pointStyle: "triangle", pointRadius: 9, pointHoverRadius: 11,
        backgroundColor: "#dc2626", borderColor: "#7f1d1d", spikeTooltips: tooltips,
      });
    }
    return new Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, ticks: { maxTicksLimit: 14, autoSkip: true } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: metric === "tokens" ? data.tokensTitle : data.costTitle },
               ticks: { callback: function (value) { return metric === "cost" ? "$" + compactNumber(value) : compactNumber(value); } } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                if (item.dataset.spikeTooltips) {
                  return item.dataset.spikeTooltips[item.dataIndex] || "";
                }
                const value = item.parsed.y;
                const text = metric === "cost" ? "$" + value.toFixed(2) : value.toLocaleString();
                return item.dataset.label + ": " + text;
              },
            },
          },
        },
      },
    });
  }

  function drawCharts(root) {
    const script = document.getElementById("usage-chart-data");
    if (!script || typeof Chart === "undefined") {
      return;
    }
    const data = JSON.parse(script.textContent);
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      const existing = Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      buildChart(canvas, data, canvas.dataset.chart);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function () { drawCharts(document); });
})();
