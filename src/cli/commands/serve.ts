import { Option, type Command } from 'commander';

/**
 * Registers `lakeshift serve`: the dashboard over the job database. The server (src/web) is imported
 * by serve-action.ts when the command runs.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Dashboard: a live web view of jobs, assessments, the plan and validation (prints its URL with an access token)')
    .option('--port <n>', 'port to listen on (default: a free port)', '0')
    .option('--host <address>', 'address to bind (0.0.0.0 exposes it to the network)', '127.0.0.1')
    .option('--state-dir <dir>', 'job database directory (default $LAKESHIFT_STATE_DIR or .lakeshift/)')
    .option('--state <url>', 'PostgreSQL job database instead, e.g. postgres://user@host:5432/db (password from PGPASSWORD)')
    .option('--state-schema <name>', 'PostgreSQL schema of the job database', 'public')
    .option('--reports <dir>', 'folder of assessment reports (lakeshift assess --out DIR, or its parent; default: the state directory)')
    .option('--plan <file>', 'plan to show (lakeshift plan --out plan.yaml; default: plan.yaml in the reports folder)')
    .option('--allow-actions', 'enable pause, resume and retry-failed on jobs (default: read-only)')
    .addOption(new Option('--output <format>', 'text, or json: one line {url, baseUrl} on stdout').choices(['text', 'json']).default('text'))
    .action(async (o: Record<string, unknown>) => {
      const { runServeCommand } = await import('./serve-action.js');
      await runServeCommand(o);
    });
}
