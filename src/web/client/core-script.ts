/**
 * The dashboard's browser code, part 1: helpers shared by every page (DOM building, formatting, the
 * JSON API, the live feed, charts). Plain ES2017 served as /assets/app.js; it reaches only this server.
 */
export const CLIENT_CORE = String.raw`
'use strict';
var LS = window.LS = { pages: {} };
LS.el = function (tag, attrs, children) {
  var e = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (k) {
    var v = attrs[k];
    if (v === null || v === undefined || v === false) return;
    if (k === 'text') e.textContent = String(v);
    else if (k === 'class') e.className = v;
    else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  });
  (children || []).forEach(function (c) {
    if (c === null || c === undefined || c === false) return;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  });
  return e;
};
var el = LS.el;
LS.fmtInt = function (n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'); };
LS.fmtBytes = function (n) {
  if (n === null || n === undefined) return '–';
  var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
};
LS.fmtRate = function (n) { return n ? LS.fmtBytes(n) + '/s' : '–'; };
LS.fmtDuration = function (s) {
  if (s === null || s === undefined) return '–';
  s = Math.round(s);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
};
LS.fmtTime = function (ms) {
  if (!ms) return '–';
  var d = new Date(typeof ms === 'string' ? Date.parse(ms) : ms);
  function p(x) { return (x < 10 ? '0' : '') + x; }
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
};
LS.badge = function (status) { return el('span', { class: 'badge badge-' + String(status).replace(/[^a-z-]/g, ''), text: status }); };
LS.api = function (path, options) {
  return fetch(path, Object.assign({ credentials: 'same-origin', headers: { Accept: 'application/json' } }, options || {})).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) { var e = new Error(body.error || ('HTTP ' + r.status)); e.status = r.status; throw e; }
      return body;
    });
  });
};
LS.section = function (title, children, attrs) {
  var id = 'sec-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return el('section', Object.assign({ class: 'card', 'aria-labelledby': id }, attrs || {}), [el('h2', { id: id, text: title })].concat(children));
};
LS.table = function (caption, headers, rows, attrs) {
  rows.forEach(function (r) {
    for (var i = 0; i < r.children.length && i < headers.length; i++) r.children[i].setAttribute('data-label', headers[i].label || headers[i]);
  });
  var t = el('table', attrs || {}, [
    el('caption', { class: 'visually-hidden', text: caption }),
    el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', { scope: 'col', class: h.num ? 'num' : null, text: h.label || h }); }))]),
    el('tbody', {}, rows)
  ]);
  return el('div', { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' }, [t]);
};
LS.td = function (v, cls, field) { return el('td', { class: cls || null, 'data-field': field || null }, [v]); };
LS.tile = function (label, value, field, note) {
  return el('div', { class: 'tile' }, [el('div', { class: 'tile-label', text: label }), el('div', { class: 'tile-value', 'data-field': field, text: value }), note ? el('div', { class: 'tile-note', 'data-field': field + '-note', text: note }) : null]);
};
LS.setField = function (root, field, text) {
  var nodes = root.querySelectorAll('[data-field="' + field + '"]');
  for (var i = 0; i < nodes.length; i++) if (nodes[i].textContent !== String(text)) nodes[i].textContent = String(text);
};
LS.notice = function (text, kind) { return el('p', { class: 'notice' + (kind ? ' notice-' + kind : ''), role: kind === 'error' ? 'alert' : null, text: text }); };
LS.unavailable = function (title, reason) {
  return el('div', { class: 'card unavailable' }, [el('h2', { text: 'Not yet available' }), el('p', { text: reason || (title + ' is not part of this build.') }),
    el('p', { class: 'muted', text: 'Nothing is shown here rather than made-up figures. The page fills in when the capability lands.' })]);
};
LS.chart = function (container, label, option) {
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', label);
  if (typeof echarts === 'undefined') { container.textContent = label; return null; }
  var c = echarts.getInstanceByDom(container) || echarts.init(container, null, { renderer: 'canvas' });
  option.animation = false;
  option.aria = { enabled: true, label: { description: label } };
  c.setOption(option, true);
  if (!container.dataset.resize) { container.dataset.resize = '1'; window.addEventListener('resize', function () { c.resize(); }); }
  return c;
};
LS.liveListeners = [];
LS.onLive = function (fn) { LS.liveListeners.push(fn); };
LS.connectLive = function () {
  var status = document.getElementById('live');
  var es = new EventSource('/api/events');
  function set(text, cls) { if (status) { status.textContent = text; status.className = 'live ' + cls; } }
  es.addEventListener('hello', function () { set('Live', 'live-on'); });
  es.onerror = function () { set('Reconnecting…', 'live-off'); };
  ['jobs', 'progress', 'validation'].forEach(function (type) {
    es.addEventListener(type, function (ev) {
      var data = JSON.parse(ev.data);
      LS.liveListeners.forEach(function (fn) { try { fn(type, data); } catch (e) { console.warn(e); } });
    });
  });
  window.addEventListener('pagehide', function () { es.close(); });
};
LS.debounce = function (fn, ms) { var t = null; return function () { if (t) return; t = setTimeout(function () { t = null; fn(); }, ms); }; };
`;
