import MarkdownIt from 'markdown-it';

/**
 * The shell blocks of a guide page, as the doc test runs them and the HTML build labels them.
 *
 * A block is a fence whose info string starts with `sh`; the words after it are attributes:
 * - `emulators`: the block that starts the emulators; the doc test runs it before every page;
 * - `skip="reason"`: shown, never run (needs Azure, or a command not built yet); the test prints why;
 * - `exit=N`: the exit status the block must end with (default 0);
 * - `output=all`: the following `text` block shows stdout and stderr together (default: stdout only).
 * A `text` fence right after a shell block is its expected output.
 */
export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  script: string;
  emulators: boolean;
  skip: string | undefined;
  exit: number;
  output: 'stdout' | 'all';
  /** The shown output, when a `text` block follows. */
  expected: string | undefined;
}

const parser = new MarkdownIt();

/** The attribute words of an info string: `a`, `a=b`, `a="b c"`. Throws on a malformed one. */
export function parseInfo(info: string): Map<string, string> {
  const attrs = new Map<string, string>();
  let rest = info;
  for (const m of info.matchAll(/([a-z]+)(?:=(?:"([^"]*)"|([^\s"]+)))?/g)) {
    if (m[1] === undefined) continue;
    attrs.set(m[1], m[2] ?? m[3] ?? '');
    rest = rest.replace(m[0], '');
  }
  if (rest.trim() !== '') throw new Error(`cannot read the fence attributes "${info.trim()}"`);
  return attrs;
}

/** The language word of a fence's info string. */
export function fenceLanguage(info: string): string {
  return info.trim().split(/\s+/)[0] ?? '';
}

/** Every shell block of a Markdown page, in order. Throws, naming the line, on an unknown attribute. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const tokens = parser.parse(markdown, {}).filter((t) => t.type === 'fence');
  const blocks: ShellBlock[] = [];
  tokens.forEach((t, i) => {
    if (fenceLanguage(t.info) !== 'sh') return;
    const line = (t.map?.[0] ?? 0) + 1;
    const attrs = parseInfo(t.info.trim().slice(2));
    for (const k of attrs.keys()) if (!['emulators', 'skip', 'exit', 'output'].includes(k)) throw new Error(`line ${line}: unknown shell block attribute "${k}"`);
    const exit = Number(attrs.get('exit') ?? '0');
    if (!Number.isInteger(exit)) throw new Error(`line ${line}: exit=${attrs.get('exit') ?? ''} is not a number`);
    const skip = attrs.get('skip');
    if (skip !== undefined && skip.trim() === '') throw new Error(`line ${line}: skip needs a reason (skip="...")`);
    const output = attrs.get('output') ?? 'stdout';
    if (output !== 'stdout' && output !== 'all') throw new Error(`line ${line}: output=${output}: expected stdout or all`);
    const next = tokens[i + 1];
    const follows = next !== undefined && fenceLanguage(next.info) === 'text' && next.map !== null && t.map !== null && next.map[0] <= t.map[1] + 1;
    blocks.push({ line, script: t.content, emulators: attrs.has('emulators'), skip, exit, output, expected: follows ? next.content : undefined });
  });
  return blocks;
}
