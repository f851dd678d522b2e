import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../src/cli/test-support.js';
import { gatewayRuleSpecs } from '../../src/cli/commands/gateway-action.js';

/** `lakeshift gateway serve|mirror`: bad input is refused with exit 2 before anything listens; --map reads as in migrate. */
describe('lakeshift gateway (CLI)', () => {
  const dest = 'http://127.0.0.1:10000/devstoreaccount1/gen1';

  it.each([
    [['gateway', 'serve', dest, '--cert', 'c.pem'], '--cert and --key go together'],
    [['gateway', 'serve', dest, '--port', 'eighty'], '--port must be a number'],
    [['gateway', 'serve', dest, '--map', 'raw'], '--map'],
    [['gateway', 'serve', 'abfss://bad name'], 'Invalid location'],
    [['gateway', 'mirror', dest, dest], 'is not a Gen1 location'],
  ])('refuses %j', async (args, message) => {
    const r = await runCliCaptured(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('maps Gen1 prefixes to filesystems of the same account, as migrate --map does', () => {
    expect(gatewayRuleSpecs('abfss://gen1@acct.dfs.core.windows.net/', ['raw=rawdata/landing', 'curated=curated'])).toEqual([
      { sourcePrefix: 'raw', uri: 'abfss://rawdata@acct.dfs.core.windows.net/', destPath: 'landing' },
      { sourcePrefix: 'curated', uri: 'abfss://curated@acct.dfs.core.windows.net/', destPath: '' },
    ]);
    expect(gatewayRuleSpecs(dest, [])).toEqual([{ sourcePrefix: '', uri: dest, destPath: '' }]);
  });
});
