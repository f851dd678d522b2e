import { Command, CommanderError } from 'commander';
import { describeFailure } from './cli-error.js';
import { tolerateClosedOutput } from './closed-output.js';
import { EXIT } from './exit-codes.js';
import { registerCommands } from './commands/index.js';

/** Builds the `lakeshift` command tree. */
export function buildProgram(): Command {
  const program = new Command('lakeshift')
    .description('Move an Azure Data Lake Storage Gen1 lake to Gen2: assess, prepare, migrate, cut over.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI and returns the exit code (never throws). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (help, version, unknown option, missing argument).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const failure = describeFailure(error);
    process.stderr.write(`lakeshift: ${failure.message}\n`);
    if (failure.internal) {
      if (process.env['LAKESHIFT_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
      else process.stderr.write('This is a bug in lakeshift; rerun with LAKESHIFT_DEBUG=1 for details.\n');
    }
    return failure.exitCode;
  }
}

const isMain = process.argv[1] !== undefined && /(?:bin\/lakeshift(?:\.js)?|cli\/main\.[jt]s)$/.test(process.argv[1]);
if (isMain) {
  const outputFailed = tolerateClosedOutput();
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code === EXIT.ok && outputFailed() ? EXIT.failures : code;
}
