/* Idea Harvester dashboard: the behaviour of every page.
 *
 * Page data comes from JSON <script type="application/json"> blocks; the DOM is built with
 * text nodes only (never innerHTML), so user-written text cannot become markup. Charts are
 * drawn with Plotly (assets/plotly.min.js); category names pass through plotText() first,
 * because Plotly reads a few HTML tags inside text. When everything is set up, the page's
 * <html> element gets data-ready="1" (or "error").
 */
(function () {
  "use strict";

  var PALETTE = ["#2457c5", "#e07b1a", "#2a9d5c", "#c0392b", "#8e44ad", "#16a0b5",
    "#b8860b", "#7f8c8d", "#d35493", "#34495e"];
  var PLOT_CONFIG = { displayModeBar: false, responsive: true };
  var SPARK_CONFIG = { displayModeBar: false, staticPlot: true };
  var FONT = { family: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif",
    size: 12, color: "#1d2330" };
  var DAY_MS = 86400000;

  function byId(id) { return document.getElementById(id); }

  function readData(id) {
    var el = byId(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  /* Plotly renders <b>, <a href> and a few other tags found in text: escape them. */
  function plotText(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text !== undefined && text !== null) { el.textContent = String(text); }
    return el;
  }

  function fmtNum(n) {
    if (n === null || n === undefined || n === "") { return "—"; }
    var rounded = Math.round(Number(n) * 1000) / 1000;
    return rounded.toLocaleString("en-US", { maximumFractionDigits: 3 });
  }

  function dayNumber(iso) { return Math.round(Date.parse(iso + "T00:00:00Z") / DAY_MS); }
  function isoDay(dayNo) { return new Date(dayNo * DAY_MS).toISOString().slice(0, 10); }
  function weekOf(dayNo) { return dayNo - ((new Date(dayNo * DAY_MS).getUTCDay() + 6) % 7); }

  function colorFor(name) {
    var h = 0;
    for (var i = 0; i < name.length; i += 1) { h = (h * 31 + name.charCodeAt(i)) >>> 0; }
    return PALETTE[h % PALETTE.length];
  }

  function hasPlotly() { return typeof window.Plotly !== "undefined"; }

  function noCharts(id) {
    var el = byId(id);
    if (el) { el.textContent = "Charts need assets/plotly.min.js beside this page."; }
  }

  /* Whole numbers on the count axis: one tick per mention while counts are small. */
  function countAxis(peak) {
    var axis = { title: { text: "Mentions" }, rangemode: "tozero", tickformat: ",d" };
    if (peak <= 8) { axis.dtick = 1; }
    return axis;
  }

  function peakOf(traces) {
    var sums = {};
    traces.forEach(function (t) {
      t.y.forEach(function (v, i) { sums[i] = (sums[i] || 0) + v; });
    });
    return Math.max.apply(null, Object.keys(sums).map(function (k) { return sums[k]; }).concat([1]));
  }

  function layout(extra) {
    var base = {
      font: FONT, margin: { l: 48, r: 12, t: 8, b: 40 }, height: 320,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      legend: { orientation: "h", y: -0.18 }, hovermode: "closest"
    };
    Object.keys(extra || {}).forEach(function (k) { base[k] = extra[k]; });
    return base;
  }

  function sparkline(el, values) {
    var peak = Math.max.apply(null, values.concat([1]));
    window.Plotly.newPlot(el, [{
      type: "bar", y: values, marker: { color: "#2457c5" }, hoverinfo: "skip"
    }], {
      width: 120, height: 28, margin: { l: 0, r: 0, t: 0, b: 0 }, bargap: 0.15,
      xaxis: { visible: false }, yaxis: { visible: false, range: [0, peak] },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", showlegend: false
    }, SPARK_CONFIG);
  }

  /* Sparklines are drawn when they scroll into view: a page of rows stays quick. */
  var sparkObserver = "IntersectionObserver" in window
    ? new window.IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          sparkObserver.unobserve(entry.target);
          sparkline(entry.target, entry.target.sparkValues);
        }
      });
    }, { rootMargin: "300px" })
    : null;

  function queueSparkline(el, values) {
    if (!hasPlotly()) { return; }
    el.sparkValues = values;
    if (sparkObserver) { sparkObserver.observe(el); } else { sparkline(el, values); }
  }

  /* ------------------------------------------------------------------ filters */

  function filters() {
    function val(id) { var el = byId(id); return el ? el.value : ""; }
    return {
      search: val("f-search").toLowerCase().split(/\s+/).filter(Boolean),
      channel: val("f-channel"),
      language: val("f-language"),
      from: val("f-from") ? dayNumber(val("f-from")) : null,
      to: val("f-to") ? dayNumber(val("f-to")) : null
    };
  }

  function onFilters(handler) {
    ["f-search", "f-channel", "f-language", "f-from", "f-to", "f-size"].forEach(function (id) {
      var el = byId(id);
      if (el) { el.addEventListener(id === "f-search" ? "input" : "change", handler); }
    });
    var reset = byId("f-reset");
    if (reset && reset.form) {
      reset.form.addEventListener("reset", function () { window.setTimeout(handler, 0); });
      reset.form.addEventListener("submit", function (e) { e.preventDefault(); });
    }
  }

  /* ------------------------------------------------------------------ overview */

  function initOverview() {
    var data = readData("overview-data");
    if (!data || !data.start) { return; }
    if (!hasPlotly()) { noCharts("chart-timeline"); return; }
    var start = dayNumber(data.start);

    function redraw() {
      var f = filters();
      var perWeek = {};
      var perLang = data.languages.map(function () { return 0; });
      var used = {};
      var total = 0;
      var first = null;
      var last = null;
      data.rows.forEach(function (r) {
        var day = start + r[0];
        var channel = data.channels[r[1]];
        if (f.from !== null && day < f.from) { return; }
        if (f.to !== null && day > f.to) { return; }
        if (f.channel && channel !== f.channel) { return; }
        if (f.language && data.languages[r[2]] !== f.language) { return; }
        var week = weekOf(day);
        perWeek[week] = perWeek[week] || {};
        perWeek[week][channel] = (perWeek[week][channel] || 0) + r[3];
        perLang[r[2]] += r[3];
        used[channel] = true;
        total += r[3];
        first = first === null ? week : Math.min(first, week);
        last = last === null ? week : Math.max(last, week);
      });
      var weeks = [];
      for (var w = first; first !== null && w <= last; w += 7) { weeks.push(w); }
      var traces = data.channels.filter(function (c) { return used[c]; }).map(function (c) {
        return {
          type: "bar", name: plotText(c), marker: { color: colorFor(c) },
          x: weeks.map(isoDay),
          y: weeks.map(function (wk) { return (perWeek[wk] && perWeek[wk][c]) || 0; })
        };
      });
      window.Plotly.react("chart-timeline", traces, layout({
        barmode: "stack", xaxis: { type: "date", title: { text: "Week" } },
        yaxis: countAxis(peakOf(traces))
      }), PLOT_CONFIG);
      var langs = [];
      var counts = [];
      data.languages.forEach(function (lang, i) {
        if (perLang[i] > 0) { langs.push(plotText(lang)); counts.push(perLang[i]); }
      });
      window.Plotly.react("chart-languages", [{
        type: "pie", labels: langs, values: counts, hole: 0.45, sort: false,
        textinfo: "label+percent", marker: { colors: langs.map(colorFor) }
      }], layout({ showlegend: false }), PLOT_CONFIG);
      byId("selection-total").textContent =
        total.toLocaleString("en-US") + " mentions in the selection.";
    }
    onFilters(redraw);
    redraw();
  }

  /* ------------------------------------------------------------------ top ideas */

  function initIdeas() {
    var data = readData("ideas-data");
    var table = byId("ideas-table");
    if (!data || !table) { return; }
    var day0 = data.day0 ? dayNumber(data.day0) : 0;
    var state = { key: "rank", dir: 1, page: 0, ranged: false };
    var shown = [];
    data.rows.forEach(function (r) {
      r.text = [r.label, r.channels.join(" "), r.languages.join(" ")].join(" ").toLowerCase();
      r.inrange = null;
    });
    var sizeSelect = byId("f-size");

    function pageSize() { return sizeSelect ? Number(sizeSelect.value) : data.pageSize; }

    function columns() {
      return data.columns.filter(function (c) { return c.key !== "inrange" || state.ranged; });
    }

    function value(row, key) {
      if (key.indexOf("p.") === 0) { return row.p[key.slice(2)]; }
      if (key === "label") { return row.label.toLowerCase(); }
      if (key === "channels" || key === "languages") { return row[key].join(" "); }
      if (key === "trend") { return row.trend.reduce(function (a, b) { return a + b; }, 0); }
      return row[key];
    }

    function compare(a, b) {
      var x = value(a, state.key);
      var y = value(b, state.key);
      var xm = x === null || x === undefined || x === "";
      var ym = y === null || y === undefined || y === "";
      if (xm !== ym) { return xm ? 1 : -1; }
      if (!xm && x !== y) { return (x < y ? -1 : 1) * state.dir; }
      return a.rank - b.rank;
    }

    function applyFilters() {
      var f = filters();
      state.ranged = f.from !== null || f.to !== null;
      var lo = f.from === null ? -Infinity : f.from - day0;
      var hi = f.to === null ? Infinity : f.to - day0;
      shown = data.rows.filter(function (r) {
        if (f.channel && r.channels.indexOf(f.channel) < 0) { return false; }
        if (f.language && r.languages.indexOf(f.language) < 0) { return false; }
        for (var i = 0; i < f.search.length; i += 1) {
          if (r.text.indexOf(f.search[i]) < 0) { return false; }
        }
        if (!state.ranged) { r.inrange = null; return true; }
        var n = 0;
        r.days.forEach(function (d) { if (d[0] >= lo && d[0] <= hi) { n += d[1]; } });
        r.inrange = n;
        return n > 0;
      });
      if (!state.ranged && state.key === "inrange") { state.key = "rank"; state.dir = 1; }
      shown.sort(compare);
    }

    function header() {
      var tr = node("tr");
      columns().forEach(function (c) {
        var th = node("th", c.type === "num" ? "num" : "");
        th.title = c.title;
        th.scope = "col";
        if (c.type === "spark") {
          th.textContent = c.label;
        } else {
          var sorted = state.key === c.key;
          th.setAttribute("aria-sort",
            sorted ? (state.dir === 1 ? "ascending" : "descending") : "none");
          var button = node("button", null, c.label);
          button.type = "button";
          button.addEventListener("click", function () {
            if (state.key === c.key) { state.dir = -state.dir; } else {
              state.key = c.key;
              state.dir = (c.type === "num" || c.key === "last") && c.key !== "rank" ? -1 : 1;
            }
            state.page = 0;
            shown.sort(compare);
            draw();
          });
          th.appendChild(button);
        }
        tr.appendChild(th);
      });
      table.tHead.replaceChildren(tr);
    }

    function cell(row, c) {
      var td = node("td", c.type === "num" ? "num" : (c.type === "date" ? "when" : ""));
      if (c.type === "link") {
        td.className = "label";
        var a = node("a", null, row.label);
        a.href = row.href;
        td.appendChild(a);
      } else if (c.type === "list") {
        row[c.key].forEach(function (v) {
          td.appendChild(node("span", "chip " + (c.key === "channels" ? "channel" : "lang"), v));
          td.appendChild(document.createTextNode(" "));
        });
      } else if (c.type === "spark") {
        var div = node("div", "spark");
        div.setAttribute("role", "img");
        div.setAttribute("aria-label", "Mentions per week: " + row.trend.join(", "));
        td.appendChild(div);
      } else if (c.type === "num") {
        td.textContent = fmtNum(value(row, c.key));
      } else {
        td.textContent = row[c.key] || "—";
      }
      return td;
    }

    function draw() {
      var size = pageSize();
      var pages = Math.max(1, Math.ceil(shown.length / size));
      state.page = Math.min(state.page, pages - 1);
      var body = table.tBodies[0];  // old sparklines are static plots: dropping them is enough
      header();
      var cols = columns();
      var fragment = document.createDocumentFragment();
      var sparks = [];
      shown.slice(state.page * size, (state.page + 1) * size).forEach(function (row) {
        var tr = node("tr");
        cols.forEach(function (c) {
          var td = cell(row, c);
          var spark = td.querySelector(".spark");
          if (spark) { sparks.push([spark, row.trend]); }
          tr.appendChild(td);
        });
        fragment.appendChild(tr);
      });
      body.replaceChildren(fragment);
      var first = shown.length ? state.page * size + 1 : 0;
      var last = Math.min(shown.length, (state.page + 1) * size);
      byId("table-status").textContent = shown.length
        ? "Showing " + first.toLocaleString("en-US") + "–" + last.toLocaleString("en-US") +
          " of " + shown.length.toLocaleString("en-US") + " ideas" +
          (shown.length < data.rows.length
            ? " (" + data.rows.length.toLocaleString("en-US") + " in all)." : ".")
        : "No idea matches these filters.";
      byId("page-info").textContent = "Page " + (state.page + 1) + " of " + pages;
      byId("page-prev").disabled = state.page === 0;
      byId("page-next").disabled = state.page >= pages - 1;
      if (sparkObserver) { sparkObserver.disconnect(); }
      sparks.forEach(function (pair) { queueSparkline(pair[0], pair[1]); });
    }

    byId("page-prev").addEventListener("click", function () { state.page -= 1; draw(); });
    byId("page-next").addEventListener("click", function () { state.page += 1; draw(); });
    onFilters(function () { state.page = 0; applyFilters(); draw(); });
    applyFilters();
    draw();
  }

  /* ------------------------------------------------------------------ emerging */

  function initEmerging() {
    Array.prototype.forEach.call(document.querySelectorAll(".spark[data-series]"), function (el) {
      queueSparkline(el, JSON.parse(el.getAttribute("data-series")));
    });
  }

  /* ------------------------------------------------------------------ one idea */

  function initIdea() {
    var data = readData("idea-data");
    if (data && data.weeks.length) {
      if (hasPlotly()) {
        var traces = data.series.map(function (s) {
          return {
            type: "bar", name: plotText(s.name), x: data.weeks, y: s.y,
            marker: { color: colorFor(s.name) }
          };
        });
        window.Plotly.newPlot("chart-idea", traces, layout({
          barmode: "stack", xaxis: { type: "date", title: { text: "Week" } },
          yaxis: countAxis(peakOf(traces))
        }), PLOT_CONFIG);
      } else {
        noCharts("chart-idea");
      }
    }
    var table = byId("mentions-table");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (tr) { return tr.textContent.toLowerCase(); });

    function apply() {
      var f = filters();
      var count = 0;
      rows.forEach(function (tr, i) {
        var day = tr.getAttribute("data-day");
        var dayNo = day ? dayNumber(day) : null;
        var ok = (!f.channel || tr.getAttribute("data-channel") === f.channel) &&
          (!f.language || tr.getAttribute("data-language") === f.language) &&
          (f.from === null || (dayNo !== null && dayNo >= f.from)) &&
          (f.to === null || (dayNo !== null && dayNo <= f.to)) &&
          f.search.every(function (t) { return texts[i].indexOf(t) >= 0; });
        tr.hidden = !ok;
        if (ok) { count += 1; }
      });
      byId("table-status").textContent = count === rows.length
        ? rows.length.toLocaleString("en-US") + " mentions."
        : count.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") +
          " mentions match.";
    }
    onFilters(apply);
    apply();
  }

  /* ------------------------------------------------------------------ start */

  var PAGES = { overview: initOverview, ideas: initIdeas, emerging: initEmerging, idea: initIdea };

  function start() {
    var root = document.documentElement;
    try {
      var init = PAGES[document.body.getAttribute("data-page")];
      if (init) { init(); }
      root.setAttribute("data-ready", "1");
    } catch (err) {
      root.setAttribute("data-ready", "error");
      throw err;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
