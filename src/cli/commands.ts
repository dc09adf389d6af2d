/**
 * Every command's flags, in one place. Each action lazily imports the module
 * that does the work (so `golive validate` never loads SQLite or execa) and
 * hands back an exit code.
 */
import { Option, type Command } from 'commander';
import { collectList, collectVar } from './options.js';

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

  const journalOptions = (command: Command) => command
    .option('--db <path>', 'audit journal file (default: .golive/golive.db, or GOLIVE_DB)')
    .option('--operator <name>', 'who is running this (default: the OS user)')
    .option('--json', 'print one JSON event per line');


  const runFlags = (command: Command) => journalOptions(command)
    .addOption(new Option('--on-failure <policy>', 'failure policy for steps without their own on_failure').choices(['rollback', 'ask', 'abort', 'continue']))
    .option('--yes', 'approve every confirmation (recorded as approved with --yes)')
    .option('--approve <id>', 'approve one confirmation by check/step id (repeatable)', collectList)
    .option('--keep-going', 'keep rolling back after a rollback command fails');

  runFlags(program
    .command('run')
    .description('run a deployment: checks, steps, smoke tests; roll back on failure; record everything')
    .argument('<runbook>', 'runbook file')
    .option('--env <name>', 'environment to deploy to')
    .option('--var <name=value>', 'set a variable (repeatable)', collectVar))
    .action(run(async () => (await import('./run.js')).runCommand));

  journalOptions(program
    .command('rollback')
    .description('roll back a run (default: the latest) from its stored runbook snapshot and outputs')
    .argument('[run-id]', 'run id or unique prefix (see golive history)')
    .option('--runbook <name>', 'with no run id: the latest run of this runbook')
    .option('--env <name>', 'with no run id: the latest run in this environment')
    .option('--keep-going', 'keep rolling back after a rollback command fails'))
    .action(run(async () => (await import('./rollback.js')).rollbackCommand));

  runFlags(program
    .command('resume')
    .description('continue an aborted, failed or interrupted run from where it stopped')
    .argument('[run-id]', 'run id or unique prefix (see golive history)')
    .option('--runbook <name>', 'with no run id: the latest run of this runbook')
    .option('--env <name>', 'with no run id: the latest run in this environment')
    .option('--rerun-in-doubt', 'run again a step that was interrupted and whose validation fails'))
    .action(run(async () => (await import('./resume.js')).resumeCommand));

  program
    .command('init')
    .description('write a commented starter runbook (with the schema line for editor completion)')
    .argument('[file]', 'where to write it', 'runbook.yaml')
    .option('--name <name>', 'the runbook name (default: from the file name)')
    .action(run(async () => (await import('./init.js')).initCommand));
}
