// Preloaded into a benchmarked process (node --import ./bench/lib/memory-sampler.mjs ...): samples
// process.memoryUsage() every 50 ms and, at exit, writes one stderr line `lakeshift-memory {json}` with
// the sample taken at the highest RSS, the maximum of each field, and V8's heap spaces at that moment.
import { writeSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const MB = 1024 * 1024;
const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v / MB)]));
let atPeak = { rss: 0 };
let spaces = {};
const max = {};
const sample = () => {
  const m = process.memoryUsage();
  for (const [k, v] of Object.entries(m)) max[k] = Math.max(max[k] ?? 0, v);
  if (m.rss > atPeak.rss) {
    atPeak = m;
    spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_size / MB)]));
  }
};
setInterval(sample, 50).unref();
process.on('exit', () => {
  sample();
  writeSync(2, `lakeshift-memory ${JSON.stringify({ atPeakMb: round(atPeak), maxMb: round(max), heapSpacesAtPeakMb: spaces })}\n`);
});
