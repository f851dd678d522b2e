import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/cli/cli-error.js';
import { parseAclSpec } from '../../src/core/acl-spec.js';
import { StorageError } from '../../src/core/errors.js';
import { parseIdentityMap } from '../../src/core/identity-map.js';
import { parseLocation, redactUri } from '../../src/core/uri.js';
import { parsePlanText } from '../../src/plan/load-plan.js';
import { parseMappingFile, parseMapValue } from '../../src/cutover/mapping.js';

// Property tests over the user inputs lakeshift parses: whatever a user types, the parser either
// returns a value or throws StorageError('invalid-argument'), which the CLI reports as one line with
// exit code 2 — never another exception (that would be reported as an internal error, exit 70).

const RUNS = Number(process.env['LAKESHIFT_FUZZ_RUNS'] ?? 400);

/** Runs `parse` and checks the outcome is a value or a user error that the CLI prints as one line, exit 2. */
function expectValueOrUsageError(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof StorageError)) throw new Error(`not a StorageError: ${String(error)}`);
    expect(error.code).toBe('invalid-argument');
    const failure = describeFailure(error);
    expect(failure.exitCode).toBe(2);
    expect(failure.internal).toBe(false);
    expect(failure.message.length).toBeGreaterThan(0);
  }
}

const uriPieces = fc.constantFrom(
  'adl://', 'abfss://', 'abfs://', 'https://', 'http://', 'file://', 'memory://', 'swebhdfs://', 's3://', 'wasbs://',
  'contoso.azuredatalakestore.net', 'fs@acct.dfs.core.windows.net', 'acct.blob.core.windows.net', '127.0.0.1:10000',
  'devstoreaccount1', '/webhdfs/v1', '/', '//', '..', '%2e%2E', '%2F', '%', '?', '?sv=2021&sig=SECRET%2Bsig', '#', '@', ':',
  ' ', '\t', 'é', 'e\u0301', '\u0000', 'raw', 'a b', '~', '\\', 'C:\\', '::', '[::1]', ':99999', ':0', 'x'.repeat(300),
);
const uriLike = fc.oneof(fc.array(uriPieces, { maxLength: 8 }).map((parts) => parts.join('')), fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }));

describe('fuzz: URIs', () => {
  it('parseLocation returns a location or a usage error for any text', () => {
    fc.assert(fc.property(uriLike, (text) => expectValueOrUsageError(() => parseLocation(text, '/tmp'))), { numRuns: RUNS * 3 });
  });

  it('redactUri never lets a SAS signature or account key through', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9%+/]{8,40}$/);
    fc.assert(
      fc.property(uriLike, secret, fc.constantFrom('sig', 'SIG', 'Sig'), (prefix, value, name) => {
        const withSas = `${prefix}?sv=2021-12-02&${name}=${value}&se=2030-01-01`;
        const redacted = redactUri(`failed at ${withSas} (retry)`);
        expect(redacted).not.toContain(`${name}=${value}`);
      }),
      { numRuns: RUNS },
    );
  });
});

const aclPieces = fc.constantFrom('user', 'group', 'mask', 'other', 'default', ':', '::', ',', 'rwx', 'r-x', '---', 'rw', 'x', '7', '-', ' ', 'oid-1', '00000000-0000-0000-0000-000000000000', '$superuser', 'a@b.com', '\n', 'user::rwx', 'default:user:x:r--');

describe('fuzz: ACL specs', () => {
  it('parseAclSpec returns entries or a usage error for any text', () => {
    const spec = fc.oneof(fc.array(aclPieces, { maxLength: 12 }).map((p) => p.join('')), fc.string({ maxLength: 60 }));
    fc.assert(fc.property(spec, (text) => expectValueOrUsageError(() => parseAclSpec(text))), { numRuns: RUNS * 2 });
  });
});

describe('fuzz: identity maps', () => {
  it('parseIdentityMap returns a map or a usage error naming the file, for CSV, JSON and noise', () => {
    const csvLine = fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom(',', ',,', ';', ''), fc.string({ maxLength: 12 })).map(([a, s, b]) => `${a}${s}${b}`);
    const csv = fc.array(csvLine, { maxLength: 6 }).map((l) => l.join('\n'));
    const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
    const broken = fc.constantFrom('{', '[', '{"a":', '[{"source":1}]', '[null]', '{"a":1}', '{"__proto__":"x"}', '[{"source":"a","target":2}]', 'source,target\n,x');
    fc.assert(
      fc.property(fc.oneof(csv, json, broken, fc.string({ maxLength: 40 })), (text) => {
        try {
          parseIdentityMap(text, 'ids.csv');
        } catch (error) {
          expectValueOrUsageError(() => {
            throw error;
          });
          expect((error as Error).message).toContain('ids.csv');
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('fuzz: plan files', () => {
  it('parsePlanText returns a plan or a usage error naming the file, for any YAML or noise', () => {
    const yamlish = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
    const planLike = fc.record({
      version: fc.oneof(fc.constant(1), fc.integer(), fc.string({ maxLength: 4 })),
      source: fc.oneof(fc.constant('adl://contoso.azuredatalakestore.net/'), fc.string({ maxLength: 20 })),
      datasets: fc.array(fc.record({ name: fc.string({ maxLength: 8 }), prefix: fc.string({ maxLength: 8 }), pattern: fc.constantFrom('lift-and-shift', 'incremental-copy', 'nope', ''), wave: fc.oneof(fc.integer(), fc.string({ maxLength: 3 })) }, { requiredKeys: [] }), { maxLength: 3 }),
    }, { requiredKeys: [] }).map((v) => JSON.stringify(v));
    const noise = fc.constantFrom(':', '- - -', 'a: [', '{{', 'datasets: 3', '\t\tkey: value', '%YAML 9.9\n---', 'a: &x\nb: *y', '? ? ?');
    fc.assert(
      fc.property(fc.oneof(yamlish, planLike, noise, fc.string({ maxLength: 60 })), (text) => {
        try {
          parsePlanText(text, 'plan.yaml');
        } catch (error) {
          expectValueOrUsageError(() => {
            throw error;
          });
          expect((error as Error).message).toContain('plan.yaml');
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: cutover maps', () => {
  it('parseMapValue and parseMappingFile return rules or a usage error naming where, for any text', () => {
    const side = fc.oneof(uriLike, fc.constantFrom('adl://contoso.azuredatalakestore.net/raw', 'abfss://fs@acct.dfs.core.windows.net/x', 'adl://home/x', 'abfss://@acct.dfs.core.windows.net/', 'https://acct.dfs.core.windows.net/fs/p'));
    const mapValue = fc.oneof(fc.tuple(side, fc.constantFrom('=', '==', ''), side).map(([a, eq, b]) => `${a}${eq}${b}`), fc.string({ maxLength: 60 }));
    fc.assert(fc.property(mapValue, (text) => expectValueOrUsageError(() => parseMapValue(text, '--map'))), { numRuns: RUNS * 2 });
    const file = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.record({ rules: fc.array(fc.record({ from: side, to: side }, { requiredKeys: [] }), { maxLength: 3 }), home: fc.oneof(side, fc.integer()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      fc.constantFrom('rules:\n  - from: adl://a.azuredatalakestore.net/x\n    to: 3', 'rules: [', '- - x', 'a: *b', ''),
      fc.string({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(file, (text) => {
        try {
          parseMappingFile(text, 'map.yaml');
        } catch (error) {
          expectValueOrUsageError(() => {
            throw error;
          });
          expect((error as Error).message).toContain('map.yaml');
        }
      }),
      { numRuns: RUNS },
    );
  });
});
