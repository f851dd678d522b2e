import { expect } from 'vitest';
import type { Scenario } from './harness.js';

/**
 * The scenarios of docs/bisync.md (numbers from the design's test plan, section 1.6). Each runs on
 * every pair (memory <-> memory, Gen1 emulator <-> Gen2 emulator). Crash, lease, model and
 * store-specific cases live in their own test files.
 */

const OID_A = '7c0d0000-0000-4000-8000-00000000000a';
const OID_B = '7c0d0000-0000-4000-8000-00000000000b';
const dozen: Record<string, string> = {};
for (let i = 0; i < 12; i++) dozen[`many/f${i}.txt`] = `file ${i}`;

const base = { 'a.txt': 'alpha', 'd/b.txt': 'bravo', 'd/e/c.txt': 'charlie', 'raw/x.csv': '1,2,3', 'curated/y.csv': '4,5,6' };

export const SCENARIOS: Scenario[] = [
  {
    name: '01 resync then a no-op run',
    initial1: { 'a.txt': 'alpha', 'd/b.txt': 'bravo' },
    initial2: { 'z.txt': 'zulu', 'd/b.txt': 'bravo' },
    steps: [
      { expect: { both: { 'a.txt': 'alpha', 'd/b.txt': 'bravo', 'z.txt': 'zulu' }, planned: { copy: 0, delete: 0, conflict: 0 }, state: ['file a.txt 5 5 md5', 'file d/b.txt 5 5 md5', 'file z.txt 4 4 md5'] } },
      { expect: { planned: { copy: 0, delete: 0, conflict: 0, adopt: 0 } } },
    ],
  },
  {
    name: '01b without a baseline the run asks for --resync',
    initial1: { 'a.txt': 'alpha' },
    resyncFirst: false,
    steps: [{ expect: { stop: 'needs-resync' } }],
  },
  {
    name: '02 one-sided new, modified and deleted, each side',
    initial1: base,
    steps: [
      { edits: [{ write: 1, path: 'new1.txt', data: 'n1' }, { write: 1, path: 'a.txt', data: 'alpha two' }, { delete: 1, path: 'd/b.txt' }], expect: { planned: { copy: 2, delete: 1 }, both: { 'a.txt': 'alpha two', 'd/e/c.txt': 'charlie', 'new1.txt': 'n1', 'raw/x.csv': '1,2,3', 'curated/y.csv': '4,5,6' } } },
      { edits: [{ write: 2, path: 'new2.txt', data: 'n2' }, { write: 2, path: 'raw/x.csv', data: '9,9,9,9' }, { delete: 2, path: 'd/e/c.txt' }], expect: { planned: { copy: 2, delete: 1 }, both: { 'a.txt': 'alpha two', 'new1.txt': 'n1', 'new2.txt': 'n2', 'raw/x.csv': '9,9,9,9', 'curated/y.csv': '4,5,6' } } },
      { expect: { planned: { copy: 0, delete: 0 } } },
    ],
  },
  {
    name: '03 the same change on both sides is adopted without conflict',
    initial1: base,
    steps: [{ edits: [{ write: 1, path: 'a.txt', data: 'same new' }, { write: 2, path: 'a.txt', data: 'same new' }, { write: 1, path: 'n.txt', data: 'x' }, { write: 2, path: 'n.txt', data: 'x' }], expect: { planned: { adopt: 2, copy: 0, conflict: 0 }, conflicts: 0, both: { ...base, 'a.txt': 'same new', 'n.txt': 'x' } } }],
  },
  {
    name: '04a conflict, path1 wins, loser kept under _lakeshift/conflicts on its side',
    initial1: base,
    steps: [
      { edits: [{ write: 1, path: 'a.txt', data: 'one' }, { write: 2, path: 'a.txt', data: 'two!' }], run: { conflictResolve: 'path1' }, expect: { conflicts: 1, both: { ...base, 'a.txt': 'one' }, exists: [{ side: 2, pathMatch: /^_lakeshift\/conflicts\/[^/]+\/a\.txt$/ }] } },
      { expect: { planned: { copy: 0, conflict: 0 } } },
    ],
  },
  {
    name: '04b conflict, path2 wins with --conflict-loser suffix, then a conflict of the conflict',
    initial1: base,
    steps: [
      { edits: [{ write: 1, path: 'a.txt', data: 'one' }, { write: 2, path: 'a.txt', data: 'two!' }], run: { conflictResolve: 'path2', conflictLoser: 'suffix' }, expect: { conflicts: 1, side1: { ...base, 'a.txt': 'two!', 'a.conflict1.txt': 'one' }, side2: { ...base, 'a.txt': 'two!' } } },
      { run: { conflictResolve: 'path2', conflictLoser: 'suffix' }, expect: { both: { ...base, 'a.txt': 'two!', 'a.conflict1.txt': 'one' } } },
      { edits: [{ write: 1, path: 'a.txt', data: 'three' }, { write: 2, path: 'a.txt', data: 'four!!' }], run: { conflictResolve: 'path2', conflictLoser: 'suffix' }, expect: { conflicts: 1, side1: { ...base, 'a.txt': 'four!!', 'a.conflict1.txt': 'one', 'a.conflict2.txt': 'three' } } },
    ],
  },
  {
    name: '04c conflict under larger, smaller and none',
    initial1: base,
    steps: [
      { edits: [{ write: 1, path: 'a.txt', data: 'short' }, { write: 2, path: 'a.txt', data: 'much longer' }], run: { conflictResolve: 'larger' }, expect: { conflicts: 1, both: { ...base, 'a.txt': 'much longer' } } },
      { edits: [{ write: 1, path: 'a.txt', data: 'tiny' }, { write: 2, path: 'a.txt', data: 'not tiny' }], run: { conflictResolve: 'smaller' }, expect: { conflicts: 1, both: { ...base, 'a.txt': 'tiny' } } },
      { edits: [{ write: 1, path: 'a.txt', data: 'left' }, { write: 2, path: 'a.txt', data: 'right' }], run: { conflictResolve: 'none' }, expect: { outcome: 'failures', conflicts: 1, side1: { ...base, 'a.txt': 'left' }, side2: { ...base, 'a.txt': 'right' } } },
      { run: { conflictResolve: 'none' }, expect: { outcome: 'failures', conflicts: 1 } },
      { run: { conflictResolve: 'path1' }, expect: { conflicts: 1, both: { ...base, 'a.txt': 'left' } } },
    ],
  },
  {
    name: '04d per-prefix rules: /raw/** to path1, /curated/** to path2, dated phase',
    initial1: base,
    steps: [{
      edits: [{ write: 1, path: 'raw/x.csv', data: 'gen1 raw' }, { write: 2, path: 'raw/x.csv', data: 'gen2 raw!' }, { write: 1, path: 'curated/y.csv', data: 'gen1 cur' }, { write: 2, path: 'curated/y.csv', data: 'gen2 cur!' }, { write: 1, path: 'a.txt', data: 'gen1 a' }, { write: 2, path: 'a.txt', data: 'gen2 a!' }],
      run: { conflictResolve: 'none', conflictRules: [{ glob: 'raw/**', policy: 'path1' }, { glob: 'curated/**', policy: 'path1', untilMs: Date.parse('2020-01-01'), then: 'path2' }] },
      expect: { outcome: 'failures', conflicts: 3, side1: { ...base, 'raw/x.csv': 'gen1 raw', 'curated/y.csv': 'gen2 cur!', 'a.txt': 'gen1 a' }, side2: { ...base, 'raw/x.csv': 'gen1 raw', 'curated/y.csv': 'gen2 cur!', 'a.txt': 'gen2 a!' } },
    }],
  },
  {
    name: '05 modify against delete: the change wins, both directions',
    initial1: base,
    steps: [{ edits: [{ write: 1, path: 'a.txt', data: 'kept' }, { delete: 2, path: 'a.txt' }, { delete: 1, path: 'd/b.txt' }, { write: 2, path: 'd/b.txt', data: 'kept too' }], expect: { planned: { copy: 2, delete: 0 }, both: { ...base, 'a.txt': 'kept', 'd/b.txt': 'kept too' } } }],
  },
  {
    name: '06 deleted on both sides: the baseline row goes',
    initial1: base,
    steps: [{ edits: [{ delete: 1, path: 'a.txt' }, { delete: 2, path: 'a.txt' }], expect: { planned: { drop: 1, delete: 0 }, both: { 'd/b.txt': 'bravo', 'd/e/c.txt': 'charlie', 'raw/x.csv': '1,2,3', 'curated/y.csv': '4,5,6' }, state: ['file curated/y.csv 5 5 md5', 'file d/b.txt 5 5 md5', 'file d/e/c.txt 7 7 md5', 'file raw/x.csv 5 5 md5'] } }],
  },
  {
    name: '07 max-delete per side, then a higher limit or --force',
    initial1: base,
    steps: [
      { edits: [{ delete: 1, path: 'a.txt' }, { delete: 1, path: 'd/b.txt' }, { delete: 1, path: 'd/e/c.txt' }], expect: { stop: 'guard', side2: base } },
      { run: { maxDeletePercent: 80 }, expect: { planned: { delete: 3 }, both: { 'raw/x.csv': '1,2,3', 'curated/y.csv': '4,5,6' } } },
      { edits: [{ delete: 2, path: 'raw/x.csv' }, { delete: 2, path: 'curated/y.csv' }], run: { maxDeleteCount: 1, force: true }, expect: { stop: 'guard', side1: { 'raw/x.csv': '1,2,3', 'curated/y.csv': '4,5,6' } } },
      { run: { force: true }, expect: { planned: { delete: 2 }, both: {} } },
    ],
  },
  {
    name: '07b max-transfer and max-renames stop before any write, --force does not override them; a resync over the transfer limit leaves the pair as it was',
    initial1: { ...base, 'd/e/f.txt': 'foxtrot', 'd/e/g.txt': 'golf' },
    steps: [
      // 7 + 7 bytes to copy, one each way.
      { edits: [{ write: 1, path: 'a.txt', data: 'alpha-2' }, { write: 2, path: 'raw/x.csv', data: '1,2,3,4' }] },
      { run: { maxTransferBytes: 13 }, expect: { stop: 'guard', message: /14 bytes, more than --max-transfer 13/, side1: { ...base, 'd/e/f.txt': 'foxtrot', 'd/e/g.txt': 'golf', 'a.txt': 'alpha-2' }, side2: { ...base, 'd/e/f.txt': 'foxtrot', 'd/e/g.txt': 'golf', 'raw/x.csv': '1,2,3,4' } } },
      { run: { maxTransferBytes: 13, force: true }, expect: { stop: 'guard', message: /--max-transfer/ } },
      { run: { maxTransferBytes: 14 }, expect: { planned: { copy: 2 }, check: (s) => expect([s.plannedBytes, s.bytes]).toEqual([14, 14]) } },
      // A directory rename of three files on path1: three files moved on path2.
      { edits: [{ rename: 1, from: 'd/e', to: 'd/moved' }], run: { maxRenames: 2 }, expect: { stop: 'guard', message: /3 files would be moved by renames on path2 \(1 of them directory renames\), more than --max-renames 2/, side2: { ...base, 'a.txt': 'alpha-2', 'raw/x.csv': '1,2,3,4', 'd/e/f.txt': 'foxtrot', 'd/e/g.txt': 'golf' } } },
      { run: { maxRenames: 2, force: true }, expect: { stop: 'guard', message: /--max-renames/ } },
      // Renames copy no data: they pass a transfer limit of one byte.
      { run: { maxRenames: 3, maxTransferBytes: 1, maxDeleteCount: 0 }, expect: { planned: { 'rename-dir': 1, copy: 0, delete: 0 }, both: { 'a.txt': 'alpha-2', 'd/b.txt': 'bravo', 'raw/x.csv': '1,2,3,4', 'curated/y.csv': '4,5,6', 'd/moved/c.txt': 'charlie', 'd/moved/f.txt': 'foxtrot', 'd/moved/g.txt': 'golf' } } },
      { edits: [{ rename: 2, from: 'a.txt', to: 'a-renamed.txt' }], run: { maxRenames: 0 }, expect: { stop: 'guard', message: /1 files would be moved by renames on path1, more than --max-renames 0/ } },
      // A resync copies every one-sided file (the pending rename too: 7 + 7 + 3 bytes).
      { edits: [{ write: 1, path: 'only1.txt', data: 'xyz' }], run: { resync: true, maxTransferBytes: 2 }, expect: { stop: 'guard', message: /17 bytes, more than --max-transfer 2/ } },
      // The guard stopped the resync before it marked the pair: a normal run goes on from the old baseline.
      { run: { maxRenames: 1 }, expect: { planned: { copy: 1, rename: 1 }, both: { 'a-renamed.txt': 'alpha-2', 'only1.txt': 'xyz', 'd/b.txt': 'bravo', 'raw/x.csv': '1,2,3,4', 'curated/y.csv': '4,5,6', 'd/moved/c.txt': 'charlie', 'd/moved/f.txt': 'foxtrot', 'd/moved/g.txt': 'golf' } } },
    ],
  },
  {
    name: '08 every file changed (a mass timestamp shift) stops the run; --force passes',
    initial1: dozen,
    steps: [
      { edits: [{ touchAll: 1, mtimeMs: Date.parse('2001-01-01') }], run: { allChangedMinFiles: 10 }, expect: { stop: 'guard' } },
      // Same content under new times: metadata actions (times carried), no data copied.
      { run: { force: true, allChangedMinFiles: 10 }, expect: { planned: { meta: 12, copy: 0 }, both: dozen, check: (s) => expect(s.bytes).toBe(0) } },
      { expect: { planned: { copy: 0 } } },
    ],
  },
  {
    name: '08b an ACL change alone is a metadata action carrying the ACL, both ways',
    initial1: base,
    steps: [
      { edits: [{ acl: 1, path: 'a.txt', spec: `user::rw-,user:${OID_A}:r--,group::r--,mask::r--,other::---` }], expect: { planned: { meta: 1, copy: 0 }, acl: [{ side: 2, path: 'a.txt', entry: `user:${OID_A}:r--` }], check: (s) => expect(s.bytes).toBe(0) } },
      { edits: [{ acl: 2, path: 'd/b.txt', spec: `user::rw-,user:${OID_B}:rw-,group::r--,mask::rw-,other::---` }], expect: { planned: { meta: 1, copy: 0 }, acl: [{ side: 1, path: 'd/b.txt', entry: `user:${OID_B}:rw-` }] } },
      { expect: { planned: { meta: 0, copy: 0 } } },
    ],
  },
  {
    name: '09 an empty side with a non-empty baseline stops the run',
    initial1: { 'a.txt': 'alpha', 'b.txt': 'bravo' },
    steps: [{ edits: [{ delete: 2, path: 'a.txt' }, { delete: 2, path: 'b.txt' }], expect: { stop: 'guard', side1: { 'a.txt': 'alpha', 'b.txt': 'bravo' } } }],
  },
  {
    name: '10 --check-access: a missing sentinel stops the run with nothing changed; restored, it passes',
    initial1: { ...base, '.lakeshift-sentinel': 'x', 'raw/.lakeshift-sentinel': 'x' },
    steps: [
      { edits: [{ write: 1, path: 'a.txt', data: 'edited' }], run: { checkAccess: true }, expect: { planned: { copy: 1 } } },
      { edits: [{ delete: 2, path: 'raw/.lakeshift-sentinel' }, { write: 1, path: 'a.txt', data: 'edited again' }], run: { checkAccess: true }, expect: { stop: 'guard', side2: { ...base, 'a.txt': 'edited', '.lakeshift-sentinel': 'x' } } },
      { edits: [{ write: 2, path: 'raw/.lakeshift-sentinel', data: 'x' }], run: { checkAccess: true }, expect: { planned: { copy: 1 }, both: { ...base, 'a.txt': 'edited again', '.lakeshift-sentinel': 'x', 'raw/.lakeshift-sentinel': 'x' } } },
    ],
  },
  {
    name: '11 a filter or compare change asks for --resync',
    initial1: base,
    steps: [
      { run: { exclude: ['raw/**'] }, expect: { stop: 'needs-resync' } },
      { run: { compare: ['size'] }, expect: { stop: 'needs-resync' } },
      { run: { exclude: ['raw/**'], resync: true }, expect: { both: base } },
      { edits: [{ write: 1, path: 'raw/x.csv', data: 'excluded now' }], run: { exclude: ['raw/**'] }, expect: { planned: { copy: 0 }, side2: base } },
    ],
  },
  {
    name: '12 dry run: plan only, sides and state untouched',
    initial1: base,
    steps: [
      { edits: [{ write: 1, path: 'a.txt', data: 'changed' }, { delete: 2, path: 'd/b.txt' }], run: { dryRun: true }, expect: { planned: { copy: 1, delete: 1 }, side1: { ...base, 'a.txt': 'changed', 'd/b.txt': 'bravo' }, check: (s) => { if (s.plan?.length !== 2) throw new Error(`plan ${JSON.stringify(s.plan)}`); } } },
      { expect: { planned: { copy: 1, delete: 1 } } },
    ],
  },
  {
    name: '13 resync modes, and one side empty',
    initial1: { 'a.txt': 'one', 'b.txt': 'same' },
    initial2: { 'a.txt': 'two!', 'b.txt': 'same', 'c.txt': 'only2' },
    resyncFirst: false,
    steps: [
      { run: { resync: true, resyncMode: 'path2' }, expect: { both: { 'a.txt': 'two!', 'b.txt': 'same', 'c.txt': 'only2' }, exists: [{ side: 1, pathMatch: /^_lakeshift\/conflicts\/.+\/a\.txt$/ }] } },
      { edits: [{ write: 1, path: 'a.txt', data: 'longest one' }], run: { resync: true, resyncMode: 'larger' }, expect: { both: { 'a.txt': 'longest one', 'b.txt': 'same', 'c.txt': 'only2' } } },
      { edits: [{ delete: 2, path: 'a.txt' }, { delete: 2, path: 'b.txt' }, { delete: 2, path: 'c.txt' }], run: { resync: true }, expect: { both: { 'a.txt': 'longest one', 'b.txt': 'same', 'c.txt': 'only2' } } },
    ],
  },
  {
    name: '17 file rename and directory rename are renames, not deletes',
    initial1: { ...base, 'd/e/f.txt': 'foxtrot', 'd/e/g.txt': 'golf' },
    steps: [
      { edits: [{ rename: 1, from: 'a.txt', to: 'moved/a2.txt' }], run: { maxDeleteCount: 0 }, expect: { planned: { rename: 1, delete: 0, copy: 0 }, both: { 'd/b.txt': 'bravo', 'd/e/c.txt': 'charlie', 'raw/x.csv': '1,2,3', 'curated/y.csv': '4,5,6', 'd/e/f.txt': 'foxtrot', 'd/e/g.txt': 'golf', 'moved/a2.txt': 'alpha' } } },
      { edits: [{ rename: 2, from: 'd/e', to: 'd/renamed' }], run: { maxDeleteCount: 0 }, expect: { planned: { 'rename-dir': 1, delete: 0, copy: 0 }, both: { 'd/b.txt': 'bravo', 'd/renamed/c.txt': 'charlie', 'd/renamed/f.txt': 'foxtrot', 'd/renamed/g.txt': 'golf', 'raw/x.csv': '1,2,3', 'curated/y.csv': '4,5,6', 'moved/a2.txt': 'alpha' } } },
      { edits: [{ rename: 1, from: 'd/b.txt', to: 'd/B.txt' }], run: { maxDeleteCount: 0 }, expect: { planned: { rename: 1, delete: 0 } } },
      { expect: { planned: { copy: 0, delete: 0, rename: 0 } } },
    ],
  },
  {
    name: '18 empty directories with --create-empty-dirs',
    initial1: { 'a.txt': 'alpha' },
    steps: [
      { edits: [{ mkdir: 1, path: 'empty/inner' }], expect: { planned: { mkdir: 0 } } },
      { run: { createEmptyDirs: true, resync: true }, expect: {} },
      { edits: [{ mkdir: 2, path: 'other' }], run: { createEmptyDirs: true }, expect: { planned: { mkdir: 1 } } },
      { edits: [{ delete: 1, path: 'other' }], run: { createEmptyDirs: true }, expect: { planned: { rmdir: 1 } } },
    ],
  },
  {
    name: '19 extended names: spaces, %, #, unicode',
    initial1: { 'sp ace/f i le.txt': 's', 'pct%20/h#sh.txt': 'p', 'uni/caf\u00e9.txt': 'nfc', 'uni/cafe\u0301-d.txt': 'nfd' },
    steps: [
      { edits: [{ write: 2, path: 'sp ace/n e w.txt', data: 'x' }, { write: 1, path: 'pct%20/h#sh.txt', data: 'p2' }], expect: { planned: { copy: 2 }, both: { 'sp ace/f i le.txt': 's', 'sp ace/n e w.txt': 'x', 'pct%20/h#sh.txt': 'p2', 'uni/caf\u00e9.txt': 'nfc', 'uni/cafe\u0301-d.txt': 'nfd' } } },
    ],
  },
  {
    name: '24 under newer, edits within the 2 s clock tolerance are a tie: kept unresolved, not guessed',
    initial1: base,
    steps: [
      { edits: [{ write: 1, path: 'a.txt', data: 'one side' }, { write: 2, path: 'a.txt', data: 'other side' }], run: { conflictResolve: 'newer' }, expect: { outcome: 'failures', conflicts: 1, side1: { ...base, 'a.txt': 'one side' }, side2: { ...base, 'a.txt': 'other side' }, check: (s) => expect(s.conflicts[0]?.winner).toBeUndefined() } },
      { run: { conflictResolve: 'path2' }, expect: { conflicts: 1, both: { ...base, 'a.txt': 'other side' } } },
    ],
  },
  {
    name: '21 a file still being written (inside the settle window) is deferred',
    initial1: base,
    steps: [
      { edits: [{ write: 1, path: 'a.txt', data: 'appending...' }], run: { settleMs: 3_600_000 }, expect: { planned: { copy: 0 }, side2: base, check: (s) => { if (s.deferred !== 1) throw new Error(`deferred ${s.deferred}`); } } },
      { expect: { planned: { copy: 1 }, both: { ...base, 'a.txt': 'appending...' } } },
    ],
  },
];
