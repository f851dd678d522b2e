import type { Command } from 'commander';
import { registerAssessCommand } from './assess.js';
import { registerPlanCommand } from './plan.js';
import { registerMigrateCommand } from './migrate.js';
import { registerJobsCommand } from './jobs.js';
import { registerValidateCommand } from './validate.js';
import { registerGen1Commands } from './emulator-gen1.js';
import { registerGen2Commands } from './emulator-gen2.js';
import { registerSeedCommand } from './seed.js';
import { registerCutoverCommand } from './cutover.js';
import { registerServeCommand } from './serve.js';
import { registerGatewayCommand } from './gateway.js';
import { registerDriftCommand } from './drift.js';
import { registerBisyncCommand } from './bisync.js';
import { registerProvisionCommand } from './provision.js';
import { registerPrepareCommand } from './prepare.js';
import { registerWorkerCommand } from './worker.js';

/**
 * Each area registers its commands here: one file per area under src/cli/commands/.
 * Order is the order of a migration: emulators (rehearsal), assess, plan, migrate, validate, jobs.
 */
export function registerCommands(program: Command): void {
  const emulator = program
    .command('emulator')
    .description('Local emulators of ADLS Gen1 and Gen2, tokens for them, and seeded lakes');
  registerGen1Commands(emulator);
  registerGen2Commands(emulator);
  registerSeedCommand(emulator);
  registerAssessCommand(program);
  registerPlanCommand(program);
  registerProvisionCommand(program);
  registerPrepareCommand(program);
  registerMigrateCommand(program);
  registerWorkerCommand(program);
  registerValidateCommand(program);
  registerJobsCommand(program);
  registerCutoverCommand(program);
  registerServeCommand(program);
  registerGatewayCommand(program);
  registerDriftCommand(program);
  registerBisyncCommand(program);
}
