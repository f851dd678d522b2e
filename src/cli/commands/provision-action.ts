import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isStorageError } from '../../core/errors.js';
import { loadPlan } from '../../plan/load-plan.js';
import type { Plan } from '../../plan/plan-schema.js';
import {
  IAC_FORMATS, generateProvision, mergedIdentityMap, parseGen1Account, parseRoleAssignments, readRootAcls, writeFilesAtomically,
  type IacFormat, type RootAcl,
} from '../../provision/index.js';
import { openStore } from '../../stores/open-store.js';
import { UserError } from '../cli-error.js';
import { outputFrom, storeOptionsFrom } from '../common-options.js';
import { readIdentityMapFlag } from '../copy-flags.js';
import { EXIT } from '../exit-codes.js';
import { checkReachable } from '../reachability.js';

async function readInput(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`${flag}: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
    throw error;
  }
}

export function parseFormats(text: string): IacFormat[] {
  const list = text.split(',').map((f) => f.trim().toLowerCase()).filter((f) => f !== '');
  for (const f of list) if (!(IAC_FORMATS as readonly string[]).includes(f)) throw new UserError(`--format: unknown format '${f}'. Use a comma list of ${IAC_FORMATS.join(', ')}.`);
  if (list.length === 0) throw new UserError(`--format needs at least one of ${IAC_FORMATS.join(', ')}.`);
  return list as IacFormat[];
}

/**
 * The provision action: parse every input first (exit 2 naming the file and field, nothing written),
 * read the root ACLs from Gen1 unless --no-root-acls, render, write atomically into --out only.
 * Exit 1 when a role assignment could not be carried (a person must decide; the report says which).
 */
export async function runProvisionCommand(o: Record<string, unknown>): Promise<void> {
  const formats = parseFormats(String(o['format'] ?? IAC_FORMATS.join(',')));
  const accountFile = String(o['gen1Account']);
  const accountText = await readInput('--gen1-account', accountFile);
  const account = usage(() => parseGen1Account(accountText, accountFile));
  const rolesFile = typeof o['roleAssignments'] === 'string' ? o['roleAssignments'] : undefined;
  const rolesText = rolesFile === undefined ? undefined : await readInput('--role-assignments', rolesFile);
  const roleAssignments = rolesFile === undefined || rolesText === undefined ? undefined : usage(() => parseRoleAssignments(rolesText, rolesFile));
  const planFile = String(o['plan']);
  const plan: Plan = await loadPlan(planFile).catch((error: unknown) => {
    throw isStorageError(error, 'invalid-argument') ? new UserError(error.message) : error;
  });
  const identityMap = mergedIdentityMap(plan, await readIdentityMapFlag(o));
  const name = String(o['name']);
  const replication = typeof o['replication'] === 'string' ? o['replication'] : undefined;
  // Validate name and replication before any network call.
  usage(() => generateProvision({ account, plan, name, formats: [], ...(replication === undefined ? {} : { replication }) }));

  let rootAcls: Map<string, RootAcl> | undefined;
  const unmapped = new Set<string>();
  if (o['rootAcls'] !== false) {
    const sourceUri = typeof o['source'] === 'string' ? o['source'] : plan.source;
    const source = usage(() => openStore(sourceUri, { ...storeOptionsFrom(o), role: 'source' }));
    try {
      await checkReachable(source, 'source');
      rootAcls = await readRootAcls(source, plan, identityMap, unmapped);
    } finally {
      await source.close();
    }
  }
  const { model, files } = usage(() => generateProvision({
    account, plan, name, formats, ...(replication === undefined ? {} : { replication }),
    ...(roleAssignments === undefined ? {} : { roleAssignments }), ...(rootAcls === undefined ? {} : { rootAcls }),
  }));
  const out = resolve(String(o['out'] ?? 'lakeshift-provision'));
  const written = await writeFilesAtomically(out, files);
  const summary = {
    out, files: written, account: model.name, replication: `Standard_${model.replication}`,
    filesystems: model.filesystems.map((f) => ({ name: f.name, rootAcl: f.root === undefined ? 'set by prepare' : 'in Terraform' })),
    roles: model.roles.length, unmappedRoles: model.unmappedRoles, noGen2Equivalent: model.findings.length,
    unmappedPrincipals: [...unmapped].sort(),
  };
  if (outputFrom(o) === 'json') process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    process.stdout.write(`Wrote ${written.length} files to ${out}: ${written.map((w) => w.slice(out.length + 1)).join(', ')}\n`);
    process.stdout.write(`${model.filesystems.length} filesystems, ${model.roles.length} role assignments, ${model.findings.length} settings without a Gen2 equivalent (see provision-report.md).\n`);
    if (unmapped.size > 0) process.stdout.write(`Principals not in the identity map (carried unchanged): ${[...unmapped].sort().join(', ')}\n`);
    for (const u of model.unmappedRoles) process.stdout.write(`NOT CARRIED: ${u.principalId}${u.principalName ? ` (${u.principalName})` : ''} role '${u.gen1Role}': ${u.why}; ${u.action}.\n`);
  }
  if (model.unmappedRoles.length > 0) process.exitCode = EXIT.failures;
}
