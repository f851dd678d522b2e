import type { Command } from 'commander';
import { addStoreOptions } from '../common-options.js';
import { collect } from '../serve-until-signal.js';

/**
 * `lakeshift gateway serve DEST` (the Gen1 API served from Gen2) and `lakeshift gateway mirror GEN1 DEST`
 * (the dual pipeline). The servers (gateway-action.ts, src/gateway) load only when a command runs.
 */
function addServerFlags(cmd: Command): Command {
  return cmd
    .option('--port <port>', 'port to listen on (0 = any free port)', '0')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--cert <file>', 'PEM certificate: serve HTTPS (official Gen1 clients require it)')
    .option('--key <file>', 'PEM private key for --cert');
}

export function registerGatewayCommand(program: Command): void {
  const gateway = program.command('gateway').description('Keep Gen1 clients working: serve the Gen1 API from Gen2, or mirror Gen1 writes to Gen2');
  const serve = addServerFlags(gateway
    .command('serve')
    .description('Serve the Gen1 REST API (WebHDFS + ADLS extensions) from DEST with the same --map rules as migrate, until SIGINT/SIGTERM')
    .argument('<dest>', 'Gen2 location the lake was migrated to, e.g. abfss://gen1@ACCOUNT.dfs.core.windows.net/')
    .option('--map <PREFIX=FS/PATH>', 'the migrate mapping: Gen1 PREFIX lives at FS/PATH (repeatable; default: everything at DEST)', collect)
    .option('--superuser <oid>', 'object ID allowed to SETOWNER (repeatable; default: every authenticated caller)', collect));
  addStoreOptions(serve);
  serve.action(async (dest: string, o: Record<string, unknown>) => {
    const { runGatewayServe } = await import('./gateway-action.js');
    await runGatewayServe(dest, o);
  });
  const mirror = addServerFlags(gateway
    .command('mirror')
    .description('Dual pipeline: forward every request to GEN1 (the system of record) and mirror each change to DEST by state, journalled in the job database, until SIGINT/SIGTERM')
    .argument('<gen1>', 'Gen1 account, e.g. adl://ACCOUNT.azuredatalakestore.net/ or http://127.0.0.1:PORT/webhdfs/v1/')
    .argument('<dest>', 'Gen2 location, e.g. abfss://gen1@ACCOUNT.dfs.core.windows.net/')
    .option('--map <PREFIX=FS/PATH>', 'the migrate mapping (repeatable; default: everything at DEST)', collect)
    .option('--state-dir <dir>', 'job database directory holding the journal (default $LAKESHIFT_STATE_DIR or .lakeshift/)'));
  addStoreOptions(mirror);
  mirror.action(async (gen1: string, dest: string, o: Record<string, unknown>) => {
    const { runGatewayMirror } = await import('./gateway-action.js');
    await runGatewayMirror(gen1, dest, o);
  });
}
