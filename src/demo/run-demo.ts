/**
 * `npm run demo`: the main job on the embedded default. Starts both emulators in-process on free
 * ports with temporary storage, seeds the demo lake into Gen1, assesses it, migrates it to Gen2,
 * changes, adds and deletes a few Gen1 files, runs an incremental catch-up, validates with
 * checksums and ACLs, cuts over (workload scan and rewrite on a bundled sample, freeze, final sync,
 * decommission check) and prints a short summary. Exit 0 only when validation finds no difference and
 * the decommission gate passes.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startGen1Emulator } from '../emulators/gen1/index.js';
import { startGen2Emulator } from '../emulators/gen2/index.js';
import { openStore } from '../stores/open-store.js';
import { seedLake } from '../seed/index.js';
import { assessStore, writeAssessReports } from '../assess/index.js';
import { openSqliteJobDb } from '../state/db.js';
import { runLiftAndShift } from '../patterns/lift-and-shift.js';
import { runIncremental } from '../patterns/incremental.js';
import { validateStores } from '../validate/validate.js';
import { walk } from '../core/walk.js';
import type { Store } from '../core/store.js';
import type { MigrationSummary } from '../engine/types.js';
import { proposePlan, renderPlanYaml } from '../plan/index.js';
import { recordValidation, startDashboard } from '../web/index.js';
import { runCutoverStep } from './cutover-step.js';
import { runPrepareStep } from './prepare-step.js';

const out = process.stdout;
const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const step = (n: number, text: string): void => void out.write(`\n[${n}/8] ${text}\n`);

async function writeText(store: Store, path: string, text: string): Promise<void> {
  const data = Buffer.from(text);
  const w = await store.createWriter(path, { overwrite: true });
  if (data.length > 0) await w.write(0, data);
  await w.commit({ size: data.length });
}

/** Picks a few ordinary Gen1 files to change and delete for the catch-up step. */
async function pickFiles(store: Store, count: number): Promise<string[]> {
  const picked: string[] = [];
  for await (const page of walk(store, '')) {
    for (const e of page) {
      if (e.kind === 'file' && e.size > 0 && e.size < 1_000_000 && /^[\w/=.-]+$/.test(e.path)) picked.push(e.path);
      if (picked.length >= count) return picked;
    }
  }
  return picked;
}

function describeRun(label: string, s: MigrationSummary): string {
  const skipped = Object.entries(s.skippedByReason).map(([r, n]) => `${n} ${r}`).join(', ');
  return (
    `  ${label}: ${s.files.copied} files copied (${mib(s.bytes)}), ${s.directories.created} directories, ` +
    `${s.files.unchanged} unchanged, ${s.files.metadataUpdated} metadata updates, ${s.deleted} deleted, ` +
    `${s.files.failed} failed in ${secs(s.durationMs)} (${mib(s.bytesPerSecond)}/s)` +
    (skipped === '' ? '' : `\n    skipped: ${skipped}`)
  );
}

/** `--serve`: keeps the emulators up with the dashboard on the demo's job database until Ctrl-C. */
async function serveUntilInterrupted(start: () => ReturnType<typeof startDashboard>): Promise<void> {
  const dashboard = await start();
  out.write(`\nDashboard: ${dashboard.url}\n  (the emulators and the dashboard stay up; Ctrl-C stops them)\n`);
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  await dashboard.close();
}

async function main(): Promise<number> {
  const started = Date.now();
  const serve = process.argv.includes('--serve');
  const work = await mkdtemp(join(tmpdir(), 'lakeshift-demo-'));
  const reportDir = resolve('.lakeshift', 'demo-report');
  // The demo's job database outlives it, so that `lakeshift serve` can show the run afterwards.
  const stateDir = resolve('.lakeshift', 'demo-state');
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(reportDir, { recursive: true });
  const gen1 = await startGen1Emulator({ port: 0, location: join(work, 'gen1') });
  const gen2 = await startGen2Emulator({ port: 0, location: join(work, 'gen2') });
  const sourceUri = `${gen1.url}/webhdfs/v1/`;
  const destUri = `${gen2.url}/devstoreaccount1/gen1/`;
  const source = openStore(sourceUri, { role: 'source' });
  const dest = openStore(destUri, { role: 'dest' });
  try {
    out.write(`lakeshift demo\n  Gen1 emulator: ${sourceUri}\n  Gen2 emulator: ${destUri}\n`);

    step(1, 'Seeding the demo lake into the Gen1 emulator (data sets, partitions, ACLs, awkward names)');
    const seeded = await seedLake(source, { profile: 'demo', concurrency: 16 });
    out.write(`  ${seeded.files} files, ${seeded.directories} directories, ${mib(seeded.bytes)}; ${seeded.aclPaths.length} paths with extended ACLs, ${seeded.awkward.length} awkward names\n`);

    step(2, 'Assessing the Gen1 lake');
    const { report } = await assessStore(source, {});
    const files = await writeAssessReports(report, reportDir, ['html', 'md', 'json']);
    const proposed = proposePlan(report);
    await writeFile(join(reportDir, 'plan.yaml'), renderPlanYaml(proposed, report));
    const verdict = (report as unknown as { verdict?: { status?: string } }).verdict?.status ?? 'see report';
    out.write(`  verdict: ${verdict}\n  report: ${files.join(', ')}\n`);

    step(3, 'Preparing Gen2: hierarchical namespace, filesystem, root owner/group/ACLs from Gen1, rights probe');
    await runPrepareStep(proposed, source, destUri, (t) => void out.write(t));

    step(4, 'Migrating Gen1 -> Gen2 (lift and shift: data, empty directories, owners, permissions, ACLs, times)');
    const jobDb = await openSqliteJobDb(stateDir);
    try {
      const first = await runLiftAndShift({ source, dest, jobDb, concurrency: 16 });
      out.write(`${describeRun('migrate', first)}\n`);

      step(5, 'Changing Gen1 (1 changed, 1 added, 1 deleted file) and running an incremental catch-up');
      const [changed, deleted] = await pickFiles(source, 2);
      if (changed !== undefined) await writeText(source, changed, `changed by the demo at ${new Date().toISOString()}\n`);
      await writeText(source, 'raw/added-by-demo.csv', 'id,value\n1,42\n');
      if (deleted !== undefined) await source.remove(deleted);
      out.write(`  changed ${changed ?? '-'}, added raw/added-by-demo.csv, deleted ${deleted ?? '-'}\n`);
      const [catchUp] = await runIncremental({ source, dest, jobDb, delete: true, concurrency: 16 });
      if (catchUp !== undefined) out.write(`${describeRun('catch-up', catchUp)}\n`);

      step(6, 'Validating every file: presence, type, size, content of both sides, owner, group, permissions, ACLs');
      const v = await validateStores(source, dest, { checksum: true, times: true });
      await recordValidation(jobDb, v);
      out.write(`  checked ${v.checked.files} files and ${v.checked.directories} directories, compared ${mib(v.checked.bytesHashed)} in ${secs(v.durationMs)}\n`);
      if (v.skippedByName.count > 0) out.write(`  ${v.skippedByName.count} source paths Gen2 cannot hold were skipped by migrate and reported (e.g. ${JSON.stringify(v.skippedByName.examples[0]?.path)}: ${v.skippedByName.examples[0]?.reason})\n`);
      out.write(`  differences: ${v.differenceCount}\n`);
      for (const d of v.differences.slice(0, 10)) out.write(`    ${d.kind} ${JSON.stringify(d.path)}: ${d.detail}\n`);

      step(7, 'Cutting over: workload scan, diff and rewrite (sample workload), freeze Gen1, final sync, decommission check');
      const gatePassed = await runCutoverStep(source, dest, jobDb, work, (t) => void out.write(t));

      step(8, 'Summary');
      out.write(`  ${first.scanned.files} files / ${mib(first.scanned.bytes)} migrated at ${mib(first.bytesPerSecond)}/s, catch-up ${catchUp ? secs(catchUp.durationMs) : '-'}, ${v.differenceCount} differences, total ${secs(Date.now() - started)}\n`);
      out.write(`  assessment report: ${files.find((f) => f.endsWith('.html')) ?? reportDir}\n`);
      const failed = first.files.failed + (catchUp?.files.failed ?? 0);
      if (serve) await serveUntilInterrupted(() => startDashboard({ jobDb, stateDir, reportsDir: reportDir, port: 0 }));
      else out.write(`\nNext: look at this run in the dashboard (the emulators are gone, the job database stays):\n  npx lakeshift serve --state-dir .lakeshift/demo-state --reports .lakeshift/demo-report\n  or keep everything up: npm run demo -- --serve\n`);
      return v.ok && failed === 0 && gatePassed ? 0 : 1;
    } finally {
      await jobDb.close();
    }
  } finally {
    await Promise.allSettled([source.close(), dest.close()]);
    await Promise.allSettled([gen1.close(), gen2.close()]);
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
