/** The dashboard's browser code, part 3: one job (progress by data set, rate chart, failures, runs, actions). */
export const CLIENT_JOB = String.raw`
(function () {
  var el = LS.el;
  function rateSeries(samples) {
    var out = [];
    for (var i = 1; i < samples.length; i++) {
      var a = samples[i - 1], b = samples[i];
      if (a.runNo !== b.runNo) { out.push([b.at, null]); continue; }
      if (b.at <= a.at) continue;
      out.push([b.at, Math.max(0, (b.bytesDone - a.bytesDone) / ((b.at - a.at) / 1000))]);
    }
    return out;
  }
  function drawRate(box, samples) {
    var series = rateSeries(samples);
    var max = series.reduce(function (m, p) { return Math.max(m, p[1] || 0); }, 0);
    var unit = max >= 1048576 ? ['MiB/s', 1048576] : max >= 1024 ? ['KiB/s', 1024] : ['B/s', 1];
    var last = series.length === 0 ? null : series[series.length - 1][1];
    LS.chart(box, series.length === 0 ? 'Throughput over time: no samples yet' : 'Throughput over time: ' + series.length + ' samples, latest ' + (last === null ? 'between runs' : LS.fmtRate(last)), {
      grid: { left: 60, right: 20, top: 36, bottom: 40 },
      tooltip: { trigger: 'axis', valueFormatter: LS.fmtRate },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: unit[0], nameTextStyle: { align: 'right' }, axisLabel: { formatter: function (v) { return v / unit[1] >= 10 || v === 0 ? String(Math.round(v / unit[1])) : (v / unit[1]).toFixed(1); } } },
      series: [{ type: 'line', name: 'throughput', showSymbol: series.length < 40, data: series, areaStyle: { opacity: 0.15 }, itemStyle: { color: '#0969da' } }]
    });
  }
  function datasetRows(d, waves) {
    var by = {};
    d.byDataset.forEach(function (r) {
      var x = by[r.dataset] = by[r.dataset] || { files: 0, bytes: 0, done: 0, doneBytes: 0, failed: 0, skipped: 0 };
      if (r.state === 'skipped') x.skipped += r.files;
      x.files += r.files; x.bytes += r.bytes;
      if (r.state === 'copied' || r.state === 'verified') { x.done += r.files; x.doneBytes += r.bytes; }
      if (r.state === 'failed') x.failed += r.files;
    });
    var names = d.datasets.map(function (s) { return s.name; });
    Object.keys(by).forEach(function (n) { if (names.indexOf(n) < 0) names.push(n); });
    return names.map(function (n) {
      var x = by[n] || { files: 0, bytes: 0, done: 0, doneBytes: 0, failed: 0, skipped: 0 };
      var ds = d.datasets.filter(function (s) { return s.name === n; })[0];
      var p = x.files > 0 ? Math.floor(((x.done + x.skipped) * 100) / x.files) : 0;
      return el('tr', {}, [LS.td(n), LS.td(waves[n] === undefined ? '–' : String(waves[n]), 'num'),
        el('td', { class: 'nowrap' }, [el('progress', { max: '100', value: String(p), 'aria-label': 'Progress of data set ' + n }), el('span', { class: 'pct', text: p + '%' })]),
        LS.td(LS.fmtInt(x.done) + ' / ' + LS.fmtInt(x.files) + (x.skipped > 0 ? ' (' + LS.fmtInt(x.skipped) + ' skipped)' : ''), 'num'), LS.td(LS.fmtBytes(x.doneBytes) + ' / ' + LS.fmtBytes(x.bytes), 'num'), LS.td(LS.fmtInt(x.failed), 'num'),
        LS.td(ds ? ds.dest : '–', 'path'), LS.td(ds && ds.watermark ? LS.fmtTime(ds.watermark) : '–', 'nowrap')]);
    });
  }
  function datasetTable(d, waves) {
    return LS.table('Progress by data set', ['Data set', { label: 'Wave', num: true }, 'Progress', { label: 'Files', num: true }, { label: 'Data', num: true }, { label: 'Failed', num: true }, 'Destination', 'Complete up to'], datasetRows(d, waves));
  }
  function failuresView(f) {
    if (f.total === 0) return LS.notice('No failed item.', 'ok');
    return el('div', { id: 'failures' }, [el('p', { text: LS.fmtInt(f.total) + ' failed items in ' + f.groups.length + ' reason' + (f.groups.length === 1 ? '' : 's') + '.' })].concat(f.groups.map(function (g) {
      return el('details', { class: 'failure-group' }, [el('summary', {}, [el('span', { class: 'count', text: LS.fmtInt(g.count) }), ' ', g.reason]),
        el('ul', { class: 'paths' }, g.paths.map(function (p) { return el('li', {}, [el('code', { text: (p.dataset === '/' ? '' : p.dataset + ': ') + p.path }), el('span', { class: 'muted', text: ' — ' + p.kind + ', attempts ' + p.attempts })]); }).concat(g.count > g.paths.length ? [el('li', { class: 'muted', text: '… ' + LS.fmtInt(g.count - g.paths.length) + ' more' })] : []))]);
    })));
  }
  function runsTable(runs) {
    return LS.table('Runs (retry history)', ['Run', 'Status', 'Started', { label: 'Duration', num: true }, { label: 'Copied', num: true }, { label: 'Data', num: true }, { label: 'Failed', num: true }, { label: 'Skipped', num: true }, { label: 'Deleted', num: true }],
      runs.slice().reverse().map(function (r) {
        return el('tr', {}, [LS.td('#' + r.runNo), el('td', {}, [LS.badge(r.status)]), LS.td(LS.fmtTime(r.startedAt), 'nowrap'), LS.td(r.finishedAt ? LS.fmtDuration((r.finishedAt - r.startedAt) / 1000) : 'running', 'num'),
          LS.td(LS.fmtInt(r.filesCopied), 'num'), LS.td(LS.fmtBytes(r.bytesCopied), 'num'), LS.td(LS.fmtInt(r.filesFailed), 'num'), LS.td(LS.fmtInt(r.filesSkipped), 'num'), LS.td(LS.fmtInt(r.deleted), 'num')]);
      }));
  }
  function actions(jobId, allow, onDone) {
    if (!allow) return LS.notice('This dashboard is read-only. Start it with --allow-actions to pause, resume or retry jobs.');
    var out = el('p', { class: 'action-result', role: 'status', 'aria-live': 'polite' });
    function button(action, label) {
      return el('button', { type: 'button', class: 'btn', 'data-action': action, onclick: function () {
        out.textContent = label + '…';
        LS.api('/api/jobs/' + encodeURIComponent(jobId) + '/' + action, { method: 'POST', headers: { Accept: 'application/json', 'X-Lakeshift-Action': '1' } })
          .then(function (r) { out.textContent = r.message; onDone(); }, function (e) { out.textContent = e.message; });
      } }, [label]);
    }
    return el('div', {}, [el('div', { class: 'buttons' }, [button('pause', 'Pause'), button('resume', 'Resume'), button('retry-failed', 'Retry failed')]), out]);
  }

  LS.pages.job = function (root, ctx) {
    var id = root.getAttribute('data-job');
    var samples = [], job = null, chartBox = null, planWaves = {};
    function tiles(j) {
      var l = j.live;
      return el('div', { class: 'tiles' }, [
        el('div', { class: 'tile' }, [el('div', { class: 'tile-label', text: 'Status' }), el('div', { class: 'tile-value', 'data-field': 'status' }, [LS.badge(j.status)])]),
        LS.tile('Files copied', LS.fmtInt(l ? Math.max(l.filesDone, j.files.done) : j.files.done), 'filesDone', l ? 'of ' + LS.fmtInt(l.filesToCopy) + ' to copy in run #' + l.runNo : 'of ' + LS.fmtInt(j.files.total) + (j.files.skipped > 0 ? ', ' + LS.fmtInt(j.files.skipped) + ' skipped' : '')),
        LS.tile('Data moved', LS.fmtBytes(l ? Math.max(l.bytesDone, j.bytes.done) : j.bytes.done), 'bytesDone', l ? 'of ' + LS.fmtBytes(l.bytesToCopy) : 'of ' + LS.fmtBytes(j.bytes.total)),
        LS.tile('Current rate', LS.fmtRate(l ? l.bytesPerSecond : 0), 'rate'),
        LS.tile('ETA', l ? LS.fmtDuration(l.etaSeconds) : '–', 'eta', l ? 'while the scan runs the total grows' : 'not running'),
        LS.tile('Failed files', LS.fmtInt(l ? Math.max(l.filesFailed, j.files.failed) : j.files.failed), 'filesFailed')
      ]);
    }
    function render(d, progress, failures, waves) {
      job = d.job;
      samples = progress.samples;
      chartBox = el('div', { class: 'chart', id: 'chart-rate' });
      var workers = (ctx.modules.filter(function (m) { return m.id === 'workers'; })[0] || {});
      root.replaceChildren(
        el('p', { class: 'lead' }, [el('span', { class: 'path', text: job.source }), ' → ', el('span', { class: 'path', text: job.dest }), ' · ' + job.kind + ' · ' + job.runs + ' run' + (job.runs === 1 ? '' : 's')]),
        el('div', { id: 'job-tiles' }, [tiles(job)]),
        LS.section('Throughput over time', [chartBox]),
        LS.section('Progress by data set and wave', [el('div', { id: 'datasets' }, [datasetTable(d, waves)])]),
        LS.section('Failures by reason', [failuresView(failures)]),
        LS.section('Runs', [runsTable(d.runs)]),
        LS.section('Actions', [actions(job.id, ctx.allowActions, function () { reloadSoon(); })]),
        LS.section('Per-worker rate', [LS.notice(workers.available ? '' : (workers.reason || 'Not yet available.'))]),
        LS.section('Options', [el('details', {}, [el('summary', { text: 'Job options (secrets redacted)' }), el('pre', { text: JSON.stringify(job.options, null, 2) })])])
      );
      drawRate(chartBox, samples);
    }
    function load() {
      var plan = ctx.modules.some(function (m) { return m.id === 'plan' && m.available; }) ? LS.api('/api/plan').catch(function () { return null; }) : Promise.resolve(null);
      return Promise.all([LS.api('/api/jobs/' + encodeURIComponent(id)), LS.api('/api/jobs/' + encodeURIComponent(id) + '/progress?last=3000'), LS.api('/api/jobs/' + encodeURIComponent(id) + '/failures'), plan])
        .then(function (r) {
          var waves = {};
          if (r[3] && r[3].plan) r[3].plan.datasets.forEach(function (ds) { waves[ds.name] = ds.wave; });
          document.title = 'Job ' + r[0].job.id + ' · lakeshift';
          planWaves = waves;
          render(r[0], r[1], r[2], waves);
        });
    }
    var reloadSoon = LS.debounce(load, 600);
    LS.onLive(function (type, data) {
      if (!job) return;
      if (type === 'progress') {
        var mine = data.filter(function (s) { return s.jobId === job.id; });
        if (mine.length === 0) return;
        var holder = {}; holder[job.id] = job;
        LS.applyProgress(holder, mine);
        samples = samples.concat(mine).slice(-3000);
        var t = document.getElementById('job-tiles');
        if (t) t.replaceChildren(tiles(job));
        drawRate(chartBox, samples);
        if (mine.some(function (s) { return s.filesFailed > 0; })) reloadFailures();
        reloadDatasets();
      } else if (type === 'jobs' && data.changed.some(function (c) { return c.id === job.id; })) reloadSoon();
    });
    // The data set table comes from a grouped query over the items (cached 5 s on the server): refreshed at that pace.
    var reloadDatasets = LS.debounce(function () {
      LS.api('/api/jobs/' + encodeURIComponent(job.id)).then(function (d) {
        var box = document.getElementById('datasets');
        if (box) box.replaceChildren(datasetTable(d, planWaves));
      });
    }, 5000);
    var reloadFailures = LS.debounce(function () {
      LS.api('/api/jobs/' + encodeURIComponent(job.id) + '/failures').then(function (f) {
        var old = document.getElementById('failures') || root.querySelector('#sec-failures-by-reason + .notice');
        if (old) old.replaceWith(failuresView(f));
      });
    }, 2000);
    return load();
  };
})();
`;
