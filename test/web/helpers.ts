import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/core/store.js';

/** Shared by the dashboard suites: temporary folders and file writers. */
export function tempDir(prefix: string, cleanups: (() => void)[]): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `count` files of `size` bytes under `dir` (deterministic content). */
export async function writeFiles(store: Store, dir: string, count: number, size: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const data = Buffer.alloc(size, i % 251);
    const w = await store.createWriter(`${dir}/part-${String(i).padStart(4, '0')}.bin`, { overwrite: true });
    if (size > 0) await w.write(0, data);
    await w.commit({ size });
  }
}

/** Reads a Server-Sent Events stream into parsed events until `until` says stop or the signal aborts. */
export async function readEvents(url: string, headers: Record<string, string>, until: (events: { event: string; data: unknown }[]) => boolean, signal: AbortSignal): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(url, { headers, signal });
  if (res.body === null) throw new Error(`no body (status ${res.status})`);
  const events: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let i: number;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as unknown });
      }
      if (until(events)) break;
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  return events;
}
