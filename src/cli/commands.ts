/**
 * Every command's flags, in one place. Each action lazily imports the module
 * that does the work (so `golive validate` never loads SQLite or execa) and
 * hands back an exit code.
 */
import type { Command } from 'commander';
import { collectVar } from './options.js';

type SetExit = (code: number) => void;

/** Register all commands on the program. */
export function registerCommands(program: Command, setExit: SetExit): void {
  const run = <A extends unknown[]>(load: () => Promise<(...args: A) => Promise<number>>) =>
    async (...args: A) => setExit(await (await load())(...args));

  program
    .command('validate')
    .description('check runbooks against the schema and the semantic rules; print every problem as file:line:col')
    .argument('<runbook...>', 'runbook files')
    .option('--env <name>', 'check templates against this environment only')
    .option('--json', 'print problems as JSON objects')
    .action(run(async () => (await import('./validate.js')).validateCommand));

  program
    .command('plan')
    .description('show the resolved plan: every step, owner, command, expected time, rollback; executes nothing')
    .argument('<runbook>', 'runbook file')
    .option('--env <name>', 'environment to resolve for')
    .option('--var <name=value>', 'set a variable (repeatable)', collectVar)
    .option('--json', 'print the plan as JSON')
    .action(run(async () => (await import('./plan.js')).planCommand));

  program
    .command('init')
    .description('write a commented starter runbook (with the schema line for editor completion)')
    .argument('[file]', 'where to write it', 'runbook.yaml')
    .option('--name <name>', 'the runbook name (default: from the file name)')
    .action(run(async () => (await import('./init.js')).initCommand));
}
