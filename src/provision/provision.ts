import type { Plan } from '../plan/plan-schema.js';
import type { Gen1Account } from './gen1-account.js';
import { buildProvisionModel, type ProvisionModel, type RootAcl } from './model.js';
import { renderArm } from './render-arm.js';
import { renderBicep } from './render-bicep.js';
import { renderTerraform } from './render-terraform.js';
import { buildReport, renderReportMarkdown } from './report.js';
import type { RoleAssignment } from './role-map.js';

export const IAC_FORMATS = ['bicep', 'terraform', 'arm'] as const;
export type IacFormat = (typeof IAC_FORMATS)[number];

/** The file each format writes (inside --out). */
export const FORMAT_FILES: Readonly<Record<IacFormat, string>> = { bicep: 'main.bicep', terraform: 'main.tf', arm: 'azuredeploy.json' };
export const REPORT_FILES = { markdown: 'provision-report.md', json: 'provision-report.json' } as const;

export interface ProvisionInput {
  account: Gen1Account;
  plan: Plan;
  name: string;
  formats: readonly IacFormat[];
  replication?: string;
  roleAssignments?: readonly RoleAssignment[];
  rootAcls?: ReadonlyMap<string, RootAcl>;
}

/**
 * Builds the Gen2 model and renders the chosen formats and the report, as file name -> text. Pure: writes
 * nothing. Throws StorageError('invalid-argument') for a bad name or refused replication (GRS).
 */
export function generateProvision(input: ProvisionInput): { model: ProvisionModel; files: Map<string, string> } {
  const model = buildProvisionModel({
    account: input.account, plan: input.plan, name: input.name,
    ...(input.replication === undefined ? {} : { replication: input.replication }),
    ...(input.roleAssignments === undefined ? {} : { roleAssignments: input.roleAssignments }),
    ...(input.rootAcls === undefined ? {} : { rootAcls: input.rootAcls }),
  });
  const files = new Map<string, string>();
  for (const format of IAC_FORMATS) {
    if (!input.formats.includes(format)) continue;
    if (format === 'arm') files.set(FORMAT_FILES.arm, `${JSON.stringify(renderArm(model), null, 2)}\n`);
    if (format === 'bicep') files.set(FORMAT_FILES.bicep, renderBicep(model));
    if (format === 'terraform') files.set(FORMAT_FILES.terraform, renderTerraform(model));
  }
  files.set(REPORT_FILES.markdown, renderReportMarkdown(model));
  files.set(REPORT_FILES.json, `${JSON.stringify(buildReport(model), null, 2)}\n`);
  return { model, files };
}
