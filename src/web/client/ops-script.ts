/** The dashboard's browser code, part 5: bisync conflicts, gateway drift, cutover (freeze, final sync, decommission check) and scale-out workers. */
export const CLIENT_OPS = String.raw`
(function () {
  var el = LS.el;
  function winnerText(c) { return c.winner === null ? 'unresolved (both kept)' : c.winner === 'path1' ? 'path1 won, path2 lost' : 'path2 won, path1 lost'; }
  LS.pages.conflicts = function (root) {
    return LS.api('/api/conflicts').then(function (r) {
      if (r.runs === 0) { root.replaceChildren(LS.notice('No bisync runs recorded yet: run lakeshift bisync PATH1 PATH2 --state-dir DIR (the same job database).')); return; }
      var lead = el('p', { class: 'lead', text: LS.fmtInt(r.runs) + ' bisync run(s) on ' + LS.fmtInt(r.pairs) + ' pair(s); ' + LS.fmtInt(r.conflicts.length) + ' conflict(s) shown, newest first.' });
      if (r.conflicts.length === 0) { root.replaceChildren(lead, LS.notice('No conflict recorded: no path changed on both sides between two runs.', 'ok')); return; }
      root.replaceChildren(lead, LS.section('Conflicts', [LS.table('Bisync conflicts', ['When', 'Pair', 'Run', 'Path', 'Policy', 'Winner / loser', 'Loser kept at'], r.conflicts.map(function (c) {
        return el('tr', {}, [LS.td(LS.fmtTime(c.createdAt), 'nowrap'), LS.td(c.path1 + ' ⇄ ' + c.path2, 'path'), LS.td(c.runId, 'path'), LS.td(c.path, 'path'), LS.td(c.policy),
          LS.td(winnerText(c)), LS.td(c.loserPath === null ? '–' : (c.winner === 'path1' ? 'path2: ' : c.winner === 'path2' ? 'path1: ' : '') + c.loserPath, 'path')]);
      }))]));
    });
  };
  LS.pages.drift = function (root) {
    return LS.api('/api/drift').then(function (r) {
      if (r.pairs.length === 0) { root.replaceChildren(LS.notice('No drift recorded: lakeshift drift GEN1 GEN2 --state-dir DIR has not run on this job database, or its last run found no difference.')); return; }
      var parts = [el('p', { class: 'lead', text: 'Readiness: a difference older than ' + LS.fmtDuration(r.settleMs / 1000) + ' (the default settle window) and not awaiting the mirror\'s journal counts as settled drift; ready means none.' })];
      r.pairs.forEach(function (p) {
        parts.push(LS.section('Drift ' + p.pair, [
          el('p', {}, [LS.badge(p.ready ? 'ready' : 'not-ready'), ' ' + LS.fmtInt(p.settled) + ' settled, ' + LS.fmtInt(p.inFlight) + ' in flight, journal backlog ' + LS.fmtInt(p.journalBacklog) + '; last drift run ' + LS.fmtTime(p.lastCheckedAt) + '.']),
          LS.table('Drifted paths of ' + p.pair, ['Path', 'Kind', 'First seen', { label: 'Age at last run', num: true }, 'State', 'Detail'], p.paths.map(function (d) {
            return el('tr', {}, [LS.td(d.path, 'path'), LS.td(d.kind), LS.td(LS.fmtTime(d.firstSeen), 'nowrap'), LS.td(LS.fmtDuration(d.ageMs / 1000), 'num'),
              el('td', {}, [LS.badge(d.settled ? 'settled' : 'in-flight'), d.pendingIntent ? ' journal pending' : '']), LS.td(d.detail)]);
          }))
        ]));
      });
      root.replaceChildren.apply(root, parts);
    });
  };
  LS.pages.cutover = function (root) {
    return LS.api('/api/cutover').then(function (r) {
      var f = r.freeze;
      var parts = [LS.section('Latest freeze', [f === null ? LS.notice('No freeze recorded yet: lakeshift freeze GEN1 --state-dir DIR stops writes on Gen1 before the final sync.') : el('dl', { class: 'facts' }, [
        el('dt', { text: 'Store' }), el('dd', { class: 'path', text: f.store }),
        el('dt', { text: 'State' }), el('dd', {}, [LS.badge(f.state), f.finished ? ' finished ' + LS.fmtTime(f.finishedAt) : ' not finished (started ' + LS.fmtTime(f.startedAt) + ')']),
        el('dt', { text: 'Paths' }), el('dd', { text: LS.fmtInt(f.pathsChanged) + ' changed of ' + LS.fmtInt(f.pathsSeen) + ' seen' })
      ])])];
      parts.push(LS.section('Final syncs', [r.finalSyncs.length === 0 ? LS.notice('No final sync recorded yet.') : LS.table('Final syncs', ['Finished', 'Result', 'Source → destination', { label: 'Copied', num: true }, { label: 'Failed', num: true }, { label: 'Validation differences', num: true }], r.finalSyncs.map(function (s) {
        var d = s.details || {};
        var v = d.validation;
        return el('tr', {}, [LS.td(LS.fmtTime(s.at), 'nowrap'), el('td', {}, [LS.badge(s.ok ? 'pass' : 'fail')]), LS.td(s.source + ' → ' + s.dest, 'path'),
          LS.td(LS.fmtInt(d.filesCopied), 'num'), LS.td(LS.fmtInt(d.filesFailed), 'num'), LS.td(v ? LS.fmtInt(v.differenceCount) : 'not validated', 'num')]);
      }))]));
      parts.push(LS.section('Decommission checks', [r.decommissionChecks.length === 0 ? LS.notice('No decommission check recorded yet.') : el('div', {}, r.decommissionChecks.map(function (c) {
        return el('div', { class: 'decommission-check' }, [el('p', {}, [LS.badge(c.passed ? 'pass' : 'fail'), ' ' + LS.fmtTime(c.at) + ' ', el('span', { class: 'path', text: c.source + ' → ' + c.dest })]),
          el('ul', { class: 'checklist' }, c.conditions.map(function (x) {
            return el('li', { class: 'check check-' + (x.ok ? 'done' : 'blocked') }, [el('span', { class: 'check-mark', 'aria-hidden': 'true', text: x.ok ? '✔' : '✖' }),
              el('span', { class: 'check-label' }, [el('strong', { text: x.title }), ' ', el('span', { class: 'check-state', text: x.ok ? '(pass)' : '(fail)' })])]);
          }))]);
      }))]));
      root.replaceChildren.apply(root, parts);
    });
  };
  LS.pages.workers = function (root) {
    function load() {
      return LS.api('/api/workers').then(function (r) {
        if (!r.postgres) { root.replaceChildren(LS.notice(r.hint)); return; }
        if (r.jobs.length === 0) { root.replaceChildren(LS.notice('No distributed job in this job database yet: plan one with lakeshift migrate SOURCE DEST --distributed --state postgres://..., then start lakeshift worker --state postgres://... on each machine.')); return; }
        root.replaceChildren.apply(root, r.jobs.map(function (s) {
          var q = s.queue;
          return LS.section('Job ' + s.jobId, [
            el('p', {}, [LS.badge(s.status), ' run ' + s.runNo + ' (' + s.runState + '), planned ' + LS.fmtTime(s.createdAt) + ' · ', el('a', { href: '/jobs/' + encodeURIComponent(s.jobId), text: 'job page' })]),
            el('div', { class: 'tiles' }, [
              LS.tile('Files', LS.fmtInt(s.files.done) + ' / ' + LS.fmtInt(s.files.total), 'w-files-' + s.jobId, LS.fmtInt(s.files.failed) + ' failed, ' + LS.fmtInt(s.files.pending) + ' to go, ' + LS.fmtInt(s.files.skipped) + ' skipped'),
              LS.tile('Data', LS.fmtBytes(s.bytes.done) + ' / ' + LS.fmtBytes(s.bytes.total), 'w-bytes-' + s.jobId),
              LS.tile('Rate', LS.fmtInt(s.filesPerSecond) + ' files/s', 'w-rate-' + s.jobId, LS.fmtRate(s.bytesPerSecond)),
              LS.tile('Batches', LS.fmtInt(s.batches.done) + ' / ' + LS.fmtInt(s.batches.total), 'w-batches-' + s.jobId, s.batches.running + ' running, ' + s.batches.queued + ' queued, ' + s.batches.failed + ' failed'),
              LS.tile('Queue depth', q ? LS.fmtInt(q.waiting) + ' waiting' : 'not shown', 'w-queue-' + s.jobId, q ? q.active + ' active, ' + q.delayed + ' delayed (' + q.name + ', ' + q.kind + ')' : s.queueNote)
            ]),
            s.workers.length === 0 ? LS.notice('No worker has finished a batch of this run yet.') : LS.table('Workers of job ' + s.jobId, ['Worker', { label: 'Batches', num: true }, { label: 'Files', num: true }, { label: 'Data', num: true }, { label: 'Rate', num: true }, { label: 'Failed', num: true }, 'Last seen'], s.workers.map(function (w) {
              return el('tr', { class: 'worker-row' }, [LS.td(w.worker, 'path'), LS.td(LS.fmtInt(w.batches), 'num'), LS.td(LS.fmtInt(w.files), 'num'), LS.td(LS.fmtBytes(w.bytes), 'num'),
                LS.td(LS.fmtInt(w.filesPerSecond) + ' files/s, ' + LS.fmtRate(w.bytesPerSecond), 'num'), LS.td(LS.fmtInt(w.filesFailed), 'num'), LS.td(LS.fmtTime(w.lastSeen), 'nowrap')]);
            }), { class: 'workers-table' }),
            s.failures.length === 0 ? null : LS.table('Failed files of job ' + s.jobId, ['Path', 'Error'], s.failures.map(function (f) { return el('tr', {}, [LS.td(f.path, 'path'), LS.td(f.error)]); }))
          ], { 'data-job': s.jobId });
        }));
      });
    }
    var again = LS.debounce(load, 1000);
    LS.onLive(function (type) { if (type === 'jobs' || type === 'progress') again(); });
    // Workers write the manifest, not the job's progress feed: look again every 5 s as well.
    setInterval(again, 5000);
    return load();
  };
})();
`;
