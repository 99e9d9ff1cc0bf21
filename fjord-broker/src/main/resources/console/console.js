// Live charts: every .chart element polls its data-source (JSON of totals) every 2 s and plots the named series,
// as rates per second (data-rate=true: difference of successive totals over the time between them) or as values.
(function () {
  var POINTS = 90;
  document.querySelectorAll('.chart').forEach(function (el) {
    var chart = echarts.init(el);
    var names = el.dataset.series.split(',');
    var rate = el.dataset.rate === 'true';
    var data = names.map(function () { return []; });
    var last = null;
    chart.setOption({
      title: { text: el.dataset.title, textStyle: { fontSize: 13 } }, animation: false,
      tooltip: { trigger: 'axis' }, legend: { data: names, bottom: 0 },
      xAxis: { type: 'time' }, yAxis: { type: 'value' },
      series: names.map(function (n) { return { name: n, type: 'line', showSymbol: false, data: [] }; })
    });
    function poll() {
      fetch(el.dataset.source).then(function (r) { return r.json(); }).then(function (v) {
        var now = Date.now();
        names.forEach(function (n, i) {
          var y = v[n];
          if (rate) y = last ? Math.max(0, (v[n] - last.v[n]) * 1000 / (now - last.t)) : null;
          if (y !== null) { data[i].push([now, y]); if (data[i].length > POINTS) data[i].shift(); }
        });
        last = { t: now, v: v };
        el.dataset.samples = String(data[0].length);
        el.dataset.latest = data[0].length ? String(data[0][data[0].length - 1][1]) : '';
        chart.setOption({ series: names.map(function (n, i) { return { name: n, data: data[i] }; }) });
      }).catch(function () { /* the broker went away: keep the chart, try again */ });
    }
    poll();
    setInterval(poll, 2000);
  });
})();
