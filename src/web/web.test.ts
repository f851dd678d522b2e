import { describe, expect, it } from 'vitest';
import { loggablePath, urlWithoutToken } from './auth.js';
import { CLIENT_AREAS } from './client/areas-script.js';
import { CLIENT_CORE } from './client/core-script.js';
import { CLIENT_JOB } from './client/job-script.js';
import { CLIENT_OVERVIEW } from './client/overview-script.js';
import { failureReason, liveFigures } from './job-views.js';
import { escapeHtml } from './pages.js';
import { redactValue } from './redact.js';

describe('web helpers', () => {
  it('redacts secrets in strings and under secret-looking keys, keeping the rest', () => {
    const out = redactValue({ source: 'https://a.dfs.core.windows.net/fs?sv=1&sig=abc', accountKey: 'k', nested: [{ sasToken: 'x', checksum: true, n: 3 }], identityMap: null }) as Record<string, unknown>;
    expect(out).toEqual({ source: 'https://a.dfs.core.windows.net/fs?sv=REDACTED&sig=REDACTED', accountKey: 'REDACTED', nested: [{ sasToken: 'REDACTED', checksum: true, n: 3 }], identityMap: null });
  });

  it('groups failures by their message without the path', () => {
    expect(failureReason("Gen2 flush 'raw/a b.csv' failed: 500", 'raw/a b.csv')).toBe("Gen2 flush '…' failed: 500");
    expect(failureReason(null, 'x')).toBe('no message recorded');
  });

  it('computes rate and ETA from the newest samples of the current run only', () => {
    const s = (id: number, run: number, at: number, bytes: number) => ({ id, job_id: 'j', run_no: run, at, files_done: 0, files_failed: 0, bytes_done: bytes, files_to_copy: 10, bytes_to_copy: 10_000 });
    const live = liveFigures([s(4, 2, 4000, 3000), s(3, 2, 3000, 2000), s(2, 2, 2000, 1000), s(1, 1, 1000, 9000)]);
    expect(live).toMatchObject({ runNo: 2, bytesDone: 3000, bytesPerSecond: 1000, etaSeconds: 7 });
    expect(liveFigures([])).toBeNull();
  });

  it('takes the token out of URLs and logged paths', () => {
    expect(urlWithoutToken('/jobs/j1?token=abc&x=1')).toBe('/jobs/j1?x=1');
    expect(urlWithoutToken('/?token=abc')).toBe('/');
    expect(loggablePath('/api/jobs?token=abc')).toBe('/api/jobs');
    expect(escapeHtml('<a href="x">&</a>')).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#60;/a&#62;');
  });

  it('serves browser code that parses', () => {
    for (const code of [CLIENT_CORE, CLIENT_OVERVIEW, CLIENT_JOB, CLIENT_AREAS]) expect(() => new Function(code)).not.toThrow();
  });
});
