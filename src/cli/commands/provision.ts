import { Option, type Command } from 'commander';
import { addStoreOptions } from '../common-options.js';

/**
 * `lakeshift provision`: infrastructure as code for the Gen2 side from the Gen1 account, its role
 * assignments and the plan. The work lives in src/provision (imported by provision-action.ts when run).
 */
export function registerProvisionCommand(program: Command): void {
  const cmd = program
    .command('provision')
    .description('Write Bicep, Terraform and/or ARM for the Gen2 account from the Gen1 account (az dls account show), its role assignments and the plan, with a report of what has no Gen2 equivalent')
    .requiredOption('--gen1-account <file>', 'the Gen1 account: `az dls account show` output, an ARM GET body or a template export')
    .option('--role-assignments <file>', '`az role assignment list --scope ACCOUNT_ID` output')
    .requiredOption('--plan <file>', 'the plan (`lakeshift plan`): one filesystem per data set target, identity map, allowSharedKeyAccess')
    .requiredOption('--name <name>', 'the new storage account name (3-24 lowercase letters and digits)')
    .option('--format <list>', 'comma list of bicep, terraform, arm', 'bicep,terraform,arm')
    .option('--out <dir>', 'directory for the generated files (nothing is written elsewhere)', 'lakeshift-provision')
    .addOption(new Option('--replication <sku>', 'LRS or ZRS (GRS, RA-GRS, GZRS are refused: see docs/provision.md)').default('LRS'))
    .option('--source <uri>', "Gen1 location to read the root ACLs from (default: the plan's source)")
    .option('--no-root-acls', 'do not read root ACLs from Gen1 (Terraform then has no ace blocks; lakeshift prepare sets them)')
    .option('--identity-map <file>', 'CSV or JSON map of principals, merged over the plan identity map (the file wins)');
  addStoreOptions(cmd);
  cmd.action(async (o: Record<string, unknown>) => {
    const { runProvisionCommand } = await import('./provision-action.js');
    await runProvisionCommand(o);
  });
}
