import { formatAclSpecForIac } from './iac-common.js';
import { GRS_REASON, type ProvisionModel } from './model.js';

/** The provision report: what was carried, what was not (no Gen2 equivalent) and what to do. */

export interface ProvisionReport {
  account: string;
  location: string;
  replication: string;
  filesystems: { name: string; rootSource: string; rootAcl: string | null }[];
  roles: { principalId: string; principalName?: string; gen1Role: string; gen2Role: string; reason: string }[];
  unmappedRoles: ProvisionModel['unmappedRoles'];
  inheritedRoles: ProvisionModel['inheritedRoles'];
  noGen2Equivalent: ProvisionModel['findings'];
}

export function buildReport(model: ProvisionModel): ProvisionReport {
  return {
    account: model.name, location: model.location, replication: `Standard_${model.replication}`,
    filesystems: model.filesystems.map((f) => ({ name: f.name, rootSource: `/${f.rootSource}`, rootAcl: f.root === undefined ? null : formatAclSpecForIac(f.root) })),
    roles: model.roles, unmappedRoles: model.unmappedRoles, inheritedRoles: model.inheritedRoles, noGen2Equivalent: model.findings,
  };
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderReportMarkdown(model: ProvisionModel): string {
  const r = buildReport(model);
  const lines = [
    `# lakeshift provision: ${r.account}`,
    '',
    `StorageV2, hierarchical namespace on, ${r.replication} (${GRS_REASON}), TLS 1.2 minimum, public blob access off, shared key ${model.sharedKeyAccess ? 'allowed' : 'off'}, location ${r.location}.`,
    '',
    '## Filesystems',
    '',
    '| filesystem | root ACL from Gen1 | root access control |',
    '|---|---|---|',
    ...r.filesystems.map((f) => `| ${f.name} | ${cell(f.rootSource)} | ${f.rootAcl === null ? 'not read: lakeshift prepare sets it' : `\`${cell(f.rootAcl)}\``} |`),
    '',
    '## Role assignments',
    '',
    '| principal | Gen1 role | Gen2 role | why |',
    '|---|---|---|---|',
    ...r.roles.map((x) => `| ${x.principalId}${x.principalName ? ` (${cell(x.principalName)})` : ''} | ${x.gen1Role} | ${x.gen2Role} | ${cell(x.reason)} |`),
    ...(r.roles.length === 0 ? ['| (none given) | | | |'] : []),
    '',
  ];
  if (r.unmappedRoles.length > 0) {
    lines.push('## Not carried: a person must decide', '', '| principal | Gen1 role | why | what to do |', '|---|---|---|---|');
    lines.push(...r.unmappedRoles.map((u) => `| ${u.principalId}${u.principalName ? ` (${cell(u.principalName)})` : ''} | ${cell(u.gen1Role)} | ${cell(u.why)} | ${cell(u.action)} |`), '');
  }
  if (r.inheritedRoles.length > 0) {
    lines.push('## Inherited assignments (not re-created)', '', '| principal | role | scope | note |', '|---|---|---|---|');
    lines.push(...r.inheritedRoles.map((u) => `| ${u.principalId} | ${cell(u.gen1Role)} | ${cell(u.scope)} | ${cell(u.action)} |`), '');
  }
  lines.push('## No Gen2 equivalent, or changed', '', '| setting | Gen1 | what to do |', '|---|---|---|');
  lines.push(...r.noGen2Equivalent.map((f) => `| ${cell(f.topic)} | ${cell(f.gen1)} | ${cell(f.todo)} |`), '');
  return lines.join('\n');
}
