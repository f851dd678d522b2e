/**
 * `lakeshift … | head`: when the reader of stdout (or stderr) goes away, writes fail with EPIPE and
 * Node throws it as an unhandled 'error' event, a stack trace. The CLI instead treats a closed output
 * like `/dev/null`: the stream's later writes are dropped and the command finishes its work (a
 * migration is not cut short half-way because nobody reads its progress) and exits with its usual code.
 */

type Output = NodeJS.WriteStream;

function isClosedPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

function silence(stream: Output): void {
  // Every later write succeeds at once and goes nowhere; callbacks still run, so awaiting writers finish.
  const drop = (_chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as (e?: Error | null) => void)(null));
    return true;
  };
  stream.write = drop as Output['write'];
}

/**
 * Makes EPIPE (and writes after it) on stdout and stderr quiet for the rest of the process. Returns a
 * function telling whether some other write error happened (reported once on the other stream), for
 * which the CLI exits 1 rather than 0: the output the user asked for is incomplete.
 */
export function tolerateClosedOutput(streams: readonly Output[] = [process.stdout, process.stderr]): () => boolean {
  let failed = false;
  for (const stream of streams) {
    stream.on('error', (error: unknown) => {
      if (isClosedPipe(error)) {
        silence(stream);
        return;
      }
      // Any other output error (e.g. a full disk behind a redirect) is reported once on the other stream.
      silence(stream);
      const other = stream === process.stdout ? process.stderr : process.stdout;
      other.write(`lakeshift: cannot write output: ${(error as Error).message}\n`);
      failed = true;
    });
  }
  return () => failed;
}
