/**
 * The small inline script of the HTML report: draws the charts with echarts from the embedded report
 * JSON and makes tables sortable by clicking a header. Plain ES2017, no network access.
 */
export const HTML_CLIENT_SCRIPT = String.raw`
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
  function fmtBytes(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
  }
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === 'undefined') return;
    var c = echarts.init(el, null, { renderer: 'canvas' });
    option.animation = false;
    c.setOption(option);
    window.addEventListener('resize', function () { c.resize(); });
  }
  var axis = { axisLabel: { fontSize: 10, rotate: 30 } };
  chart('chart-sizes', {
    title: { text: 'Files by size', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { bottom: 70, left: 60 },
    xAxis: Object.assign({ type: 'category', data: report.inventory.sizeHistogram.map(function (b) { return b.label; }) }, axis),
    yAxis: { type: 'value', name: 'files' },
    series: [{ type: 'bar', name: 'files', data: report.inventory.sizeHistogram.map(function (b) { return b.files; }), itemStyle: { color: '#3b73b9' } }]
  });
  chart('chart-ageing', {
    title: { text: 'Bytes by last modification', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis', valueFormatter: fmtBytes },
    grid: { bottom: 70, left: 70 },
    xAxis: Object.assign({ type: 'category', data: report.ageing.byModified.map(function (b) { return b.label; }) }, axis),
    yAxis: { type: 'value', axisLabel: { formatter: fmtBytes } },
    series: [{ type: 'bar', name: 'bytes', data: report.ageing.byModified.map(function (b) { return b.bytes; }), itemStyle: { color: '#c77c1e' } }]
  });
  chart('chart-datasets', {
    title: { text: 'Bytes per data set', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'item', valueFormatter: fmtBytes },
    series: [{ type: 'pie', radius: ['35%', '65%'], top: 20,
      data: report.datasets.slice(0, 12).map(function (d) { return { name: d.name, value: d.bytes }; }) }]
  });
  chart('chart-acl', {
    title: { text: 'ACL entries per path', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { bottom: 40, left: 60 },
    xAxis: { type: 'category', data: report.acl.entriesPerPath.map(function (b) { return String(b.entries); }), name: 'entries' },
    yAxis: { type: 'log', name: 'paths', min: 0.5, axisLabel: { formatter: function (v) { return v >= 1 ? String(v) : ''; } } },
    series: [{ type: 'bar', label: { show: true, position: 'top', fontSize: 10 }, data: report.acl.entriesPerPath.map(function (b) { return b.paths; }), itemStyle: { color: '#5a9e4b' } }]
  });
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable th'), function (th, _i) {
    th.addEventListener('click', function () {
      var table = th.closest('table'), tbody = table.tBodies[0];
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var asc = th.getAttribute('data-dir') !== 'asc';
      Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute('data-dir'); });
      th.setAttribute('data-dir', asc ? 'asc' : 'desc');
      var rows = Array.prototype.slice.call(tbody.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var xv = x.getAttribute('data-v'), yv = y.getAttribute('data-v');
        var r = xv !== null && yv !== null ? Number(xv) - Number(yv) : x.textContent.localeCompare(y.textContent);
        return asc ? r : -r;
      });
      rows.forEach(function (row) { tbody.appendChild(row); });
    });
  });
})();
`;
