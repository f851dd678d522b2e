/** The dashboard's style sheet: light, high-contrast (WCAG AA text), one column on a phone. */
export const CLIENT_CSS = String.raw`
:root { --bg: #f5f7fa; --card: #fff; --text: #1b1f24; --muted: #505a66; --line: #d0d7de; --accent: #0b5cad; --focus: #0b5cad; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--text); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, summary:focus-visible, [tabindex]:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 8px 12px; z-index: 10; }
.skip:focus { left: 8px; top: 8px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 18px; padding: 10px 20px; background: #0d2340; color: #fff; }
.brand { color: #fff; font-weight: 700; font-size: 18px; text-decoration: none; letter-spacing: .3px; }
header.top a:focus-visible { outline-color: #9ecbff; }
nav ul { display: flex; flex-wrap: wrap; gap: 2px 4px; list-style: none; margin: 0; padding: 0; }
nav a { display: inline-block; color: #dbe7f5; text-decoration: none; padding: 6px 10px; border-radius: 6px; }
nav a:hover { background: #1b3a63; color: #fff; }
nav a[aria-current="page"] { background: #fff; color: #0d2340; font-weight: 600; }
nav .soon { font-size: 11px; margin-left: 4px; padding: 0 5px; border-radius: 8px; background: #33506f; color: #e6eef7; }
nav a[aria-current="page"] .soon { background: #d0d7de; color: #1b1f24; }
.live { margin-left: auto; font-size: 13px; padding: 3px 10px; border-radius: 12px; background: #33506f; color: #fff; }
.live-on::before { content: "●"; color: #4ade80; margin-right: 6px; }
.live-off::before { content: "●"; color: #fbbf24; margin-right: 6px; }
main { max-width: 1280px; margin: 0 auto; padding: 18px 20px 40px; }
main:focus { outline: none; }
h1 { font-size: 24px; margin: 4px 0 12px; }
h2 { font-size: 16px; margin: 0 0 10px; }
.lead { color: var(--muted); margin: -4px 0 14px; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; margin: 0 0 16px; min-width: 0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; margin-bottom: 16px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; min-width: 0; }
.tile-label { color: var(--muted); font-size: 13px; }
.tile-value { font-size: 24px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.tile-note { color: var(--muted); font-size: 12px; margin-top: 2px; overflow-wrap: anywhere; }
.grid-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.grid-2 > .card { margin: 0 0 16px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 7px 9px; border-bottom: 1px solid #e4e8ec; vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); background: #f6f8fa; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; overflow-wrap: anywhere; }
td.path { min-width: 220px; }
progress { width: 90px; height: 10px; vertical-align: middle; accent-color: #1a7f37; }
.pct { margin-left: 6px; font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 12.5px; font-weight: 600; background: #eaeef2; color: #3b434b; white-space: nowrap; }
.badge-completed, .badge-no-differences, .badge-pass, .badge-frozen, .badge-ready { background: #dafbe1; color: #0f5323; }
.badge-failed, .badge-differences, .badge-fail, .badge-not-ready, .badge-settled { background: #ffebe9; color: #8c0b1f; }
.badge-running, .badge-scanning, .badge-freezing, .badge-in-flight { background: #ddf4ff; color: #0a4a8f; }
.badge-cancelled { background: #fff8c5; color: #6b4a00; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 6px; font-weight: 700; text-decoration: none; font-size: 16px; }
.verdict-ready { background: #dafbe1; color: #0f5323; }
.verdict-ready-with-warnings { background: #fff8c5; color: #6b4a00; }
.verdict-blocked { background: #ffebe9; color: #8c0b1f; }
a.verdict { text-decoration: underline; }
.checklist { list-style: none; margin: 0; padding: 0; }
.check { display: grid; grid-template-columns: 24px 1fr; gap: 0 6px; padding: 6px 0; border-bottom: 1px solid #eef1f4; }
.check-mark { grid-row: span 2; font-weight: 700; text-align: center; }
.check-detail { color: var(--muted); font-size: 13px; grid-column: 2; overflow-wrap: anywhere; }
.check-state { color: var(--muted); font-weight: 400; font-size: 13px; }
.check-done .check-mark { color: #1a7f37; }
.check-blocked .check-mark { color: #cf222e; }
.check-todo .check-mark { color: #9a6700; }
.check-unavailable .check-mark { color: #6e7781; }
.chart { width: 100%; height: 280px; }
.chart-small { height: 220px; }
.notice { padding: 10px 12px; border-radius: 8px; background: #f6f8fa; border: 1px solid var(--line); margin: 0; }
.notice-error { background: #ffebe9; border-color: #ffcecb; color: #8c0b1f; }
.notice-ok { background: #dafbe1; border-color: #aceebb; color: #0f5323; }
.unavailable { border-style: dashed; }
.muted { color: var(--muted); }
.failure-group { border: 1px solid var(--line); border-radius: 8px; padding: 6px 10px; margin: 6px 0; }
.failure-group summary { cursor: pointer; overflow-wrap: anywhere; }
.failure-group .count { display: inline-block; min-width: 2.5em; font-weight: 700; color: #8c0b1f; }
.paths { margin: 6px 0 2px; padding-left: 18px; font-size: 13px; }
.paths code { overflow-wrap: anywhere; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; }
.btn { font: inherit; padding: 7px 14px; border-radius: 6px; border: 1px solid #8c959f; background: #f6f8fa; color: var(--text); cursor: pointer; min-height: 40px; }
.btn:hover { background: #eaeef2; }
.links a { margin-right: 10px; white-space: nowrap; }
.pattern { font-family: ui-monospace, monospace; font-size: 12.5px; background: #eef1f4; padding: 1px 6px; border-radius: 4px; white-space: nowrap; }
pre { overflow-x: auto; background: #f6f8fa; padding: 10px; border-radius: 6px; font-size: 12.5px; }
footer { max-width: 1280px; margin: 0 auto; padding: 0 20px 30px; color: var(--muted); font-size: 13px; }
@media (max-width: 760px) {
  body { font-size: 14px; }
  header.top { padding: 8px 12px; }
  main { padding: 12px; }
  .grid-2 { grid-template-columns: 1fr; }
  .tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .tile-value { font-size: 19px; }
  .live { margin-left: 0; }
  nav { width: 100%; overflow-x: auto; }
  nav ul { flex-wrap: nowrap; }
  nav a { white-space: nowrap; padding: 6px 8px; }
  /* Tables become one card per row: the header's label before each value. */
  .table-wrap table, .table-wrap tbody, .table-wrap tr, .table-wrap td { display: block; width: 100%; }
  .table-wrap thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .table-wrap tr { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 10px; padding: 6px 10px; }
  .table-wrap td { display: flex; gap: 12px; justify-content: space-between; border: 0; padding: 3px 0; text-align: right; }
  .table-wrap td::before { content: attr(data-label); color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .3px; text-align: left; flex: none; }
  td.path { min-width: 0; }
  .table-wrap td.path { font-size: 12px; flex-direction: column; gap: 2px; text-align: left; }
}
`;
