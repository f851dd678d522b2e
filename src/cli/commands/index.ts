import type { Command } from 'commander';
import { registerAssessCommand } from './assess.js';
import { registerPlanCommand } from './plan.js';

/**
 * Each area registers its commands here. One file per area under src/cli/commands/, each exporting
 * `register(program)`.
 */
export function registerCommands(program: Command): void {
  void program;
  registerAssessCommand(program);
  registerPlanCommand(program);
}
