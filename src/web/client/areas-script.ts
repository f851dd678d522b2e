/** The dashboard's browser code, part 4: assessments, plan, validation, areas not yet available, and the start-up. */
export const CLIENT_AREAS = String.raw`
(function () {
  var el = LS.el;
  LS.pages.reports = function (root) {
    return LS.api('/api/reports').then(function (r) {
      if (r.reports.length === 0) { root.replaceChildren(LS.notice('No assessment report in ' + r.reportsDir + ': write one with lakeshift assess SOURCE --out ' + r.reportsDir + '/NAME.')); return; }
      var parts = [LS.section('Assessment reports', [LS.table('Assessment reports', ['Report', 'Verdict', 'Source', 'Finished', { label: 'Files', num: true }, { label: 'Data', num: true }, 'Open'], r.reports.map(function (x) {
        var base = '/reports/' + encodeURIComponent(x.id) + '/';
        var labels = { 'report.html': 'HTML report', 'report.md': 'Markdown', 'report.json': 'JSON' };
        return el('tr', {}, [LS.td(x.id === '-' ? '(top folder)' : x.id), el('td', {}, [x.verdict ? el('span', { class: 'verdict verdict-' + x.verdict, text: x.verdict }) : el('span', { class: 'muted', text: x.error || 'no report.json' })]),
          LS.td(x.source || '–', 'path'), LS.td(LS.fmtTime(x.finishedAt), 'nowrap'), LS.td(LS.fmtInt(x.inventoryFiles), 'num'), LS.td(LS.fmtBytes(x.inventoryBytes), 'num'),
          el('td', { class: 'links' }, x.files.map(function (f) { return el('a', { href: base + f, class: f === 'report.html' ? 'report-html' : null, text: labels[f] + (x.id === '-' ? '' : ' (' + x.id + ')') }); }))]);
      }))])];
      var withReasons = r.reports.filter(function (x) { return x.reasons.length > 0; })[0];
      if (withReasons) parts.push(LS.section('Newest verdict: reasons', [el('ul', {}, withReasons.reasons.map(function (t) { return el('li', { text: t }); }))]));
      root.replaceChildren.apply(root, parts);
    });
  };
  LS.pages.plan = function (root) {
    return LS.api('/api/plan').then(function (r) {
      var p = r.plan;
      root.replaceChildren(
        el('p', { class: 'lead' }, ['Plan ', el('code', { text: r.file }), ' for ', el('span', { class: 'path', text: p.source }), p.destination ? ' → ' + p.destination : '']),
        LS.section('Waves', [LS.table('Waves', [{ label: 'Wave', num: true }, 'Data sets', { label: 'Files', num: true }, { label: 'Data', num: true }], p.waves.map(function (w) {
          return el('tr', {}, [LS.td(String(w.number), 'num'), LS.td(w.datasets.join(', ')), LS.td(LS.fmtInt(w.files), 'num'), LS.td(LS.fmtBytes(w.bytes), 'num')]);
        }))]),
        LS.section('Data sets', [LS.table('Data sets', ['Data set', { label: 'Wave', num: true }, 'Pattern', 'Source path', 'Target', { label: 'Files', num: true }, { label: 'Data', num: true }, 'Rationale'], p.datasets.map(function (d) {
          return el('tr', {}, [LS.td(d.name), LS.td(String(d.wave), 'num'), el('td', {}, [el('span', { class: 'pattern', text: d.pattern })]), LS.td(d.sourcePath || '/', 'path'), LS.td(d.target.filesystem + '/' + d.target.path, 'path'),
            LS.td(LS.fmtInt(d.files), 'num'), LS.td(LS.fmtBytes(d.bytes), 'num'), LS.td(d.rationale)]);
        }))])
      );
    }, function (e) { root.replaceChildren(LS.notice('The plan cannot be read: ' + e.message, 'error')); });
  };
  LS.pages.validation = function (root) {
    function load() {
      return LS.api('/api/validations').then(function (r) {
        if (r.validations.length === 0) { root.replaceChildren(LS.notice('No validation recorded yet: run lakeshift validate SOURCE DEST --state-dir DIR (the same job database).')); return; }
        var newest = r.validations[0];
        root.replaceChildren(
          LS.section('Validations', [LS.table('Validations', ['Finished', 'Result', 'Source → destination', { label: 'Files', num: true }, { label: 'Directories', num: true }, 'Checks'], r.validations.map(function (v) {
            var c = v.report.checks;
            var checks = ['size', c.checksum ? 'content' : '', c.owner ? 'owner' : '', c.permissions ? 'permissions' : '', c.acl ? 'ACLs' : '', c.times ? 'times' : ''].filter(Boolean).join(', ');
            return el('tr', {}, [LS.td(LS.fmtTime(v.finishedAt), 'nowrap'), el('td', {}, [LS.badge(v.ok ? 'no-differences' : 'differences'), v.ok ? '' : ' ' + LS.fmtInt(v.differenceCount)]),
              LS.td(v.source + ' → ' + v.dest, 'path'), LS.td(LS.fmtInt(v.files), 'num'), LS.td(LS.fmtInt(v.directories), 'num'), LS.td(checks)]);
          }))]),
          LS.section('Newest: differences', [newest.report.differences.length === 0 ? LS.notice('No difference.', 'ok') : LS.table('Differences', ['Kind', 'Path', 'Detail'], newest.report.differences.slice(0, 200).map(function (d) {
            return el('tr', {}, [LS.td(d.kind), LS.td(d.path, 'path'), LS.td(d.detail)]);
          }))])
        );
      });
    }
    LS.onLive(function (type) { if (type === 'validation') load(); });
    return load();
  };

  function boot() {
    var main = document.getElementById('content');
    var page = main.getAttribute('data-page');
    LS.api('/api/modules').then(function (m) {
      var mod = m.modules.filter(function (x) { return x.id === page; })[0];
      var ctx = { modules: m.modules, allowActions: m.allowActions };
      if (mod && !mod.available) { main.replaceChildren(LS.unavailable(mod.title, mod.reason)); return; }
      var render = LS.pages[page];
      if (!render) { main.replaceChildren(LS.unavailable(page)); return; }
      LS.connectLive();
      return render(main, ctx);
    }).then(function () { main.setAttribute('aria-busy', 'false'); }, function (e) {
      main.setAttribute('aria-busy', 'false');
      main.replaceChildren(LS.notice('Cannot load this page: ' + e.message + (e.status === 401 ? ' (open the URL lakeshift serve printed)' : ''), 'error'));
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
})();
`;
