/** The dashboard's browser code, part 2: the overview and the jobs list (live over the event stream). */
export const CLIENT_OVERVIEW = String.raw`
(function () {
  var el = LS.el;
  function liveOf(j) { return j.live || null; }
  function doneFiles(j) { var l = liveOf(j); return l ? Math.max(j.files.done, l.filesDone) : j.files.done; }
  function doneBytes(j) { var l = liveOf(j); return l ? Math.max(j.bytes.done, l.bytesDone) : j.bytes.done; }
  function failedFiles(j) { var l = liveOf(j); return l ? Math.max(j.files.failed, l.filesFailed) : j.files.failed; }
  function totalFiles(j) { var l = liveOf(j); return l ? Math.max(j.files.total, l.filesToCopy) : j.files.total; }
  // Skipped files (names the destination refuses, existing files kept) are settled: they count as done for progress.
  function pct(j) {
    var l = liveOf(j), t = totalFiles(j);
    var settled = l ? doneFiles(j) : j.files.done + j.files.skipped;
    return t > 0 ? Math.min(100, Math.floor((settled * 100) / t)) : (j.status === 'completed' ? 100 : 0);
  }

  function jobRow(j) {
    var p = pct(j);
    return el('tr', { 'data-job': j.id }, [
      el('td', {}, [el('a', { href: '/jobs/' + encodeURIComponent(j.id), text: j.id })]),
      el('td', { 'data-field': 'status-' + j.id }, [LS.badge(j.status)]),
      el('td', { class: 'nowrap' }, [el('progress', { max: '100', value: String(p), 'aria-label': 'Progress of ' + j.id, 'data-field': 'bar-' + j.id }), el('span', { class: 'pct', 'data-field': 'pct-' + j.id, text: p + '%' })]),
      LS.td(LS.fmtInt(doneFiles(j)) + ' / ' + LS.fmtInt(totalFiles(j)), 'num', 'files-' + j.id),
      LS.td(LS.fmtBytes(doneBytes(j)), 'num', 'bytes-' + j.id),
      LS.td(LS.fmtRate(j.live ? j.live.bytesPerSecond : 0), 'num', 'rate-' + j.id),
      LS.td(LS.fmtInt(failedFiles(j)), 'num', 'failed-' + j.id),
      LS.td(j.source + ' → ' + j.dest, 'path'),
      LS.td(LS.fmtTime(j.updatedAt), 'nowrap', 'updated-' + j.id)
    ]);
  }
  LS.jobsTable = function (jobs) {
    if (jobs.length === 0) return LS.notice('No job in the job database yet: start one with lakeshift migrate SOURCE DEST.');
    return LS.table('Jobs', ['Job', 'Status', 'Progress', { label: 'Files', num: true }, { label: 'Data', num: true }, { label: 'Rate', num: true }, { label: 'Failed', num: true }, 'Source → destination', 'Updated'], jobs.map(jobRow), { id: 'jobs-table' });
  };
  LS.refreshJobCells = function (root, j) {
    var p = pct(j);
    LS.setField(root, 'pct-' + j.id, p + '%');
    var bar = root.querySelector('[data-field="bar-' + j.id + '"]');
    if (bar) bar.value = p;
    LS.setField(root, 'files-' + j.id, LS.fmtInt(doneFiles(j)) + ' / ' + LS.fmtInt(totalFiles(j)));
    LS.setField(root, 'bytes-' + j.id, LS.fmtBytes(doneBytes(j)));
    LS.setField(root, 'rate-' + j.id, LS.fmtRate(j.live ? j.live.bytesPerSecond : 0));
    LS.setField(root, 'failed-' + j.id, LS.fmtInt(failedFiles(j)));
    LS.setField(root, 'updated-' + j.id, LS.fmtTime(j.updatedAt));
  };
  /** Applies pushed progress samples to the jobs in memory; returns the ids touched. */
  LS.applyProgress = function (jobsById, samples) {
    var touched = {};
    samples.forEach(function (s) {
      var j = jobsById[s.jobId];
      if (!j) return;
      var prev = j.live && j.live.runNo === s.runNo ? j.live : null;
      var rate = prev && s.at > prev.at ? Math.max(0, (s.bytesDone - prev.bytesDone) * 1000 / (s.at - prev.at)) : (prev ? prev.bytesPerSecond : 0);
      var left = Math.max(0, s.bytesToCopy - s.bytesDone);
      j.live = { runNo: s.runNo, at: s.at, filesDone: s.filesDone, filesFailed: s.filesFailed, bytesDone: s.bytesDone, filesToCopy: s.filesToCopy, bytesToCopy: s.bytesToCopy,
        bytesPerSecond: Math.round(rate), etaSeconds: left === 0 ? 0 : (rate > 0 ? Math.round(left / rate) : null) };
      j.updatedAt = Math.max(j.updatedAt, s.at);
      touched[s.jobId] = true;
    });
    return Object.keys(touched);
  };
  function verdictTile(v) {
    if (!v) return LS.tile('Readiness verdict', 'No report', 'verdict', 'Run lakeshift assess');
    return el('div', { class: 'tile' }, [el('div', { class: 'tile-label', text: 'Readiness verdict' }),
      el('div', { class: 'tile-value' }, [el('a', { href: '/reports/' + encodeURIComponent(v.reportId) + '/report.html', class: 'verdict verdict-' + v.status, id: 'verdict-link', text: v.status })]),
      el('div', { class: 'tile-note', text: v.source || '' })]);
  }
  function tiles(o) {
    return el('div', { class: 'tiles', id: 'tiles' }, [
      LS.tile('Jobs running', LS.fmtInt(o.totals.running), 'running', Object.keys(o.byStatus).map(function (k) { return o.byStatus[k] + ' ' + k; }).join(', ') || 'no jobs'),
      LS.tile('Files copied', LS.fmtInt(o.totals.filesDone), 'filesDone'),
      LS.tile('Data moved', LS.fmtBytes(o.totals.bytesDone), 'bytesDone'),
      LS.tile('Current rate', LS.fmtRate(o.totals.bytesPerSecond), 'rate'),
      LS.tile('Failed files', LS.fmtInt(o.totals.filesFailed), 'filesFailed'),
      verdictTile(o.verdict)
    ]);
  }
  function totalsOf(jobs) {
    var t = { filesDone: 0, bytesDone: 0, filesFailed: 0, bytesPerSecond: 0, running: 0 };
    jobs.forEach(function (j) { t.filesDone += doneFiles(j); t.bytesDone += doneBytes(j); t.filesFailed += failedFiles(j); if (j.live) { t.bytesPerSecond += j.live.bytesPerSecond; } if (j.status === 'running' || j.status === 'scanning') t.running++; });
    return t;
  }
  function checklist(items) {
    var mark = { done: '✔', todo: '○', blocked: '✖', unavailable: '–' };
    var words = { done: 'done', todo: 'to do', blocked: 'blocked', unavailable: 'not yet available' };
    return el('ul', { class: 'checklist' }, items.map(function (i) {
      return el('li', { class: 'check check-' + i.state }, [el('span', { class: 'check-mark', 'aria-hidden': 'true', text: mark[i.state] }),
        el('span', { class: 'check-label' }, [el('strong', { text: i.label }), ' ', el('span', { class: 'check-state', text: '(' + words[i.state] + ')' })]), el('span', { class: 'check-detail', text: i.detail })]);
    }));
  }
  function statesChart(byStatus) {
    var order = ['created', 'scanning', 'running', 'completed', 'failed', 'cancelled'];
    var colors = { created: '#6e7781', scanning: '#8250df', running: '#0969da', completed: '#1a7f37', failed: '#cf222e', cancelled: '#9a6700' };
    var box = el('div', { class: 'chart chart-small', id: 'chart-states' });
    setTimeout(function () {
      LS.chart(box, 'Jobs by state: ' + order.filter(function (k) { return byStatus[k]; }).map(function (k) { return byStatus[k] + ' ' + k; }).join(', '), {
        grid: { left: 90, right: 20, top: 10, bottom: 30 }, tooltip: { trigger: 'axis' },
        xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: order },
        series: [{ type: 'bar', data: order.map(function (k) { return { value: byStatus[k] || 0, itemStyle: { color: colors[k] } }; }) }]
      });
    }, 0);
    return box;
  }

  LS.pages.overview = function (root) {
    var state = null;
    function render(o) {
      state = o;
      state.byId = {};
      o.jobs.forEach(function (j) { state.byId[j.id] = j; });
      root.replaceChildren(
        tiles(o),
        el('div', { class: 'grid-2' }, [LS.section('Cutover checklist', [checklist(o.checklist)]), LS.section('Jobs by state', [statesChart(o.byStatus)])]),
        LS.section('Jobs', [LS.jobsTable(o.jobs)])
      );
    }
    function load() { return LS.api('/api/overview').then(render); }
    var reload = LS.debounce(load, 400);
    LS.onLive(function (type, data) {
      if (!state) return;
      if (type === 'progress') {
        var ids = LS.applyProgress(state.byId, data);
        if (ids.length === 0) return;
        ids.forEach(function (id) { LS.refreshJobCells(root, state.byId[id]); });
        var t = totalsOf(state.jobs);
        LS.setField(root, 'filesDone', LS.fmtInt(t.filesDone));
        LS.setField(root, 'bytesDone', LS.fmtBytes(t.bytesDone));
        LS.setField(root, 'rate', LS.fmtRate(t.bytesPerSecond));
        LS.setField(root, 'filesFailed', LS.fmtInt(t.filesFailed));
        LS.setField(root, 'running', LS.fmtInt(t.running));
      } else reload();
    });
    return load();
  };

  LS.pages.jobs = function (root) {
    var byId = {};
    function load() {
      return LS.api('/api/jobs').then(function (r) {
        byId = {};
        r.jobs.forEach(function (j) { byId[j.id] = j; });
        root.replaceChildren(LS.section('All jobs', [LS.jobsTable(r.jobs)]));
      });
    }
    var reload = LS.debounce(load, 400);
    LS.onLive(function (type, data) {
      if (type === 'progress') LS.applyProgress(byId, data).forEach(function (id) { LS.refreshJobCells(root, byId[id]); });
      else if (type === 'jobs') reload();
    });
    return load();
  };
})();
`;
