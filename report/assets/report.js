// concbench report.html: draws every chart of REPORT_DATA with uPlot, with
// a legend that hides models, tooltips with exact values and repeat
// ranges, log/linear toggles, and sortable tables. No network access.
(function () {
  'use strict';
  var charts = {};
  window.concbench = { charts: charts, ready: false };

  // fmt prints a value exactly enough to compare with results.json.
  function fmt(v) {
    if (v == null || !isFinite(v)) return '-';
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e9 || a < 1e-4)) return v.toExponential(6);
    return String(parseFloat(v.toPrecision(7)));
  }

  // tick prints an axis label compactly.
  function tick(v) {
    if (v == null) return '';
    var a = Math.abs(v);
    if (a >= 1e6) return parseFloat((v / 1e6).toPrecision(3)) + 'M';
    if (a >= 1e4) return parseFloat((v / 1e3).toPrecision(3)) + 'k';
    return String(parseFloat(v.toPrecision(3)));
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // align joins the series' points on one sorted x axis (uPlot's data
  // layout); points a log axis cannot show are left out.
  function align(all, logX, logY) {
    var seen = {}, xs = [];
    all.forEach(function (s) {
      s.pts.forEach(function (p) {
        if (logX && p.x <= 0) return;
        if (!(p.x in seen)) { seen[p.x] = true; xs.push(p.x); }
      });
    });
    xs.sort(function (a, b) { return a - b; });
    var at = {};
    xs.forEach(function (x, i) { at[x] = i; });
    var data = [xs];
    all.forEach(function (s) {
      var ys = xs.map(function () { return null; });
      s.pts.forEach(function (p) {
        if ((logX && p.x <= 0) || (logY && p.y <= 0)) return;
        ys[at[p.x]] = p.y;
      });
      data.push(ys);
    });
    return data;
  }

  function seriesOpts(s, ref, shown) {
    var o = { label: s.label, stroke: s.color, width: 2, spanGaps: true, show: shown, points: { show: false } };
    if (ref) {
      o.dash = [6, 4];
      o.width = 1.5;
      return o;
    }
    switch (s.style) {
      case 'points':
        o.paths = function () { return null; };
        o.points = { show: true, size: 10, fill: s.color, stroke: s.color, width: 1 };
        break;
      case 'line':
        o.points = { show: true, size: 8, fill: s.color, stroke: s.color, width: 1 };
        break;
      case 'step':
        o.paths = uPlot.paths.stepped({ align: -1 });
        o.fill = s.color + '30';
        o.width = 1.5;
        break;
      case 'dots':
        o.paths = function () { return null; };
        o.points = { show: true, size: 4, fill: s.color, stroke: s.color, width: 0 };
        break;
    }
    return o;
  }

  // drawExtras draws each visible model's min..max whiskers and marked
  // points (blocking calls) on the canvas.
  function drawExtras(u, chart, logY) {
    var ctx = u.ctx;
    ctx.save();
    chart.series.forEach(function (s, k) {
      if (!u.series[k + 1].show) return;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 1.5 * devicePixelRatio;
      // a fitted line, dashed; a measured curve, solid
      [[s.fit, [4 * devicePixelRatio, 3 * devicePixelRatio]], [s.curve, []]].forEach(function (c) {
        if (!c[0] || c[0].length < 2) return;
        ctx.setLineDash(c[1]);
        ctx.beginPath();
        c[0].forEach(function (q, i) {
          if (logY && q[1] <= 0) return;
          var fx = u.valToPos(q[0], 'x', true), fy = u.valToPos(q[1], 'y', true);
          if (i === 0) ctx.moveTo(fx, fy); else ctx.lineTo(fx, fy);
        });
        ctx.stroke();
        ctx.setLineDash([]);
      });
      s.pts.forEach(function (p) {
        var x = u.valToPos(p.x, 'x', true);
        if (p.r && !(logY && p.r[0] <= 0)) {
          var y0 = u.valToPos(p.r[0], 'y', true), y1 = u.valToPos(p.r[1], 'y', true);
          var w = 4 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, y0); ctx.lineTo(x, y1);
          ctx.moveTo(x - w, y0); ctx.lineTo(x + w, y0);
          ctx.moveTo(x - w, y1); ctx.lineTo(x + w, y1);
          ctx.stroke();
        }
        if (p.mark && !(logY && p.y <= 0)) {
          var y = u.valToPos(p.y, 'y', true), m = 6 * devicePixelRatio;
          ctx.beginPath();
          if (p.mark === 'ring') {
            ctx.arc(x, y, 2 * m, 0, 2 * Math.PI);
          } else {
            ctx.moveTo(x - m, y - m); ctx.lineTo(x + m, y + m);
            ctx.moveTo(x - m, y + m); ctx.lineTo(x + m, y - m);
          }
          ctx.stroke();
        }
      });
    });
    ctx.restore();
  }

  // nearest finds the visible model point closest to the cursor (within
  // 30 px), in CSS pixels of the plot area.
  function nearest(u, chart, logY) {
    var cx = u.cursor.left, cy = u.cursor.top, best = null, bd = 30 * 30;
    if (cx == null || cx < 0) return null;
    chart.series.forEach(function (s, k) {
      if (!u.series[k + 1].show) return;
      s.pts.forEach(function (p) {
        if (logY && p.y <= 0) return;
        var dx = u.valToPos(p.x, 'x') - cx, dy = u.valToPos(p.y, 'y') - cy, d = dx * dx + dy * dy;
        if (d < bd) { bd = d; best = { s: s, p: p }; }
      });
    });
    return best;
  }

  function tooltipHTML(chart, hit) {
    var p = hit.p, box = el('div');
    var head = el('div', 'tip-model', hit.s.model);
    head.style.color = hit.s.color;
    box.appendChild(head);
    var xv = chart.cats ? chart.cats[Math.round(p.x)] : fmt(p.x);
    box.appendChild(el('div', 'tip-x', chart.x.label + ': ' + xv));
    var y = el('div', 'tip-y');
    y.appendChild(document.createTextNode(chart.y.label + ': '));
    var v = el('b', 'tip-value', fmt(p.y));
    v.dataset.value = String(p.y);
    y.appendChild(v);
    box.appendChild(y);
    if (p.n || p.r) {
      var r = p.r ? 'min–max ' + fmt(p.r[0]) + ' – ' + fmt(p.r[1]) + ' over ' + (p.n ? p.n + ' repeats' : 'the repeats')
        : (p.n > 1 ? 'all ' + p.n + ' repeats agree' : '1 repeat');
      box.appendChild(el('div', 'tip-range', (p.n > 1 || p.r ? 'median; ' : '') + r));
    }
    if (p.note) box.appendChild(el('div', 'tip-note', p.note));
    return box;
  }

  // specRange is the axis range the chart's spec fixes (the PNG's too),
  // or undefined to fit the data.
  function specRange(axis) {
    var r = axis.range;
    return r ? function () { return [r[0], r[1]]; } : undefined;
  }

  function makeChart(fig, chart) {
    var st = { logX: chart.x.log, logY: chart.y.log, hidden: {}, u: null };
    var plotEl = fig.querySelector('.plot'), tip = el('div', 'tip');
    var all = chart.series.concat(chart.refs || []);

    function build() {
      if (st.u) st.u.destroy();
      var series = [{}];
      chart.series.forEach(function (s) { series.push(seriesOpts(s, false, !st.hidden[s.model])); });
      (chart.refs || []).forEach(function (s) { series.push(seriesOpts(s, true, true)); });
      var xAxis = { label: chart.x.label, values: function (u, sp) { return sp.map(tick); } };
      if (chart.x.nines) { // percentiles at whole nines: p50 (0.3), p90, p99, ...
        xAxis.splits = function (u) {
          var out = [Math.log10(2)];
          for (var n = 1; n <= u.scales.x.max; n++) out.push(n);
          return out;
        };
        xAxis.values = function (u, sp) {
          return sp.map(function (x) { return 'p' + Number((100 * (1 - Math.pow(10, -x))).toPrecision(6)); });
        };
      }
      if (chart.cats) {
        xAxis.splits = function () { return chart.cats.map(function (_, i) { return i; }); };
        xAxis.values = function (u, sp) { return sp.map(function (i) { return chart.cats[Math.round(i)] || ''; }); };
      }
      var opts = {
        width: Math.max(320, plotEl.clientWidth || 800), height: 400,
        legend: { show: false },
        cursor: { points: { show: false }, drag: { x: true, y: false } },
        scales: {
          x: chart.cats ? { time: false, range: [-0.5, chart.cats.length - 0.5] }
            : { time: false, distr: st.logX ? 3 : 1, log: 10, range: specRange(chart.x) },
          y: st.logY ? { distr: 3, log: 10, range: specRange(chart.y) }
            : { range: specRange(chart.y) || function (u, lo, hi) { return [Math.min(0, lo), hi > 0 ? hi * 1.08 : 1]; } }
        },
        axes: [xAxis, { label: chart.y.label + (st.logY ? ', log scale' : ''), size: 64, values: function (u, sp) { return sp.map(tick); } }],
        series: series,
        hooks: {
          draw: [function (u) { drawExtras(u, chart, st.logY); }],
          setCursor: [function (u) {
            var hit = nearest(u, chart, st.logY);
            if (!hit) { tip.style.display = 'none'; return; }
            tip.replaceChildren(tooltipHTML(chart, hit));
            tip.style.display = 'block';
            var x = u.valToPos(hit.p.x, 'x'), y = u.valToPos(hit.p.y, 'y');
            tip.style.left = Math.min(x + 14, u.over.clientWidth - 220) + 'px';
            tip.style.top = Math.max(0, y - 10) + 'px';
          }]
        }
      };
      st.u = new uPlot(opts, align(all, st.logX, st.logY), plotEl);
      st.u.over.appendChild(tip);
    }

    // Legend: one button per model (click hides it), then the references.
    var legend = fig.querySelector('.legend');
    chart.series.forEach(function (s, k) {
      var b = el('button', 'legend-item');
      b.type = 'button';
      b.dataset.model = s.model;
      var sw = el('span', 'swatch');
      sw.style.background = s.color;
      b.appendChild(sw);
      b.appendChild(document.createTextNode(s.label));
      b.title = 'click to hide or show ' + s.model;
      b.addEventListener('click', function () {
        st.hidden[s.model] = !st.hidden[s.model];
        b.classList.toggle('off', st.hidden[s.model]);
        st.u.setSeries(k + 1, { show: !st.hidden[s.model] });
      });
      legend.appendChild(b);
    });
    (chart.refs || []).forEach(function (s) {
      var r = el('span', 'legend-ref');
      r.appendChild(el('span', 'dash'));
      r.appendChild(document.createTextNode(s.label));
      legend.appendChild(r);
    });

    // Log/linear toggles where an axis spans decades.
    var controls = fig.querySelector('.controls');
    [['x', 'logX'], ['y', 'logY']].forEach(function (a) {
      if (!chart[a[0]].toggle) return;
      var b = el('button', 'scale-toggle');
      b.type = 'button';
      b.dataset.axis = a[0];
      var label = function () { b.textContent = a[0] + ' axis: ' + (st[a[1]] ? 'log' : 'linear') + ' · switch to ' + (st[a[1]] ? 'linear' : 'log'); };
      label();
      b.addEventListener('click', function () { st[a[1]] = !st[a[1]]; label(); build(); });
      controls.appendChild(b);
    });

    build();
    charts[chart.id] = {
      chart: chart,
      plot: function () { return st.u; },
      hidden: function () { return Object.keys(st.hidden).filter(function (m) { return st.hidden[m]; }); },
      log: function () { return { x: st.logX, y: st.logY }; }
    };
    window.addEventListener('resize', function () {
      if (st.u) st.u.setSize({ width: Math.max(320, plotEl.clientWidth || 800), height: 400 });
    });
  }

  // Tables sort by a column on a click on its header (numbers as numbers).
  function sortable(table) {
    table.querySelectorAll('th').forEach(function (th, j) {
      th.addEventListener('click', function () {
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        var dir = th.dataset.dir === 'asc' ? -1 : 1;
        table.querySelectorAll('th').forEach(function (h) { delete h.dataset.dir; });
        th.dataset.dir = dir === 1 ? 'asc' : 'desc';
        var key = function (r) {
          var t = r.cells[j] ? r.cells[j].textContent.trim() : '';
          var n = parseFloat(t);
          return isNaN(n) ? t : n;
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (typeof x === typeof y) return (x < y ? -1 : x > y ? 1 : 0) * dir;
          return (typeof x === 'number' ? -1 : 1) * dir;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  REPORT_DATA.charts.forEach(function (c) {
    makeChart(document.getElementById('chart-' + c.id), c);
  });
  document.querySelectorAll('table.sortable').forEach(sortable);
  window.concbench.ready = true;
})();
