/**
 * The commands and the options each takes (declared once, in cli/options.ts).
 * Each action lazily imports the module that does the work (so `golive
 * validate` never loads SQLite or listr2) and hands back an exit code.
 */
import { Argument, type Command } from 'commander';
import { addHelpText } from './help-text.js';
import { commanderOption, OPTIONS, type OptionSpec, RECORDING, RUN_CONTROL, saying } from './options.js';

type SetExit = (code: number) => void;

/** `options` added to `command`, in order (the order `--help` lists them in). */
function taking(command: Command, options: readonly OptionSpec[]): Command {
  for (const spec of options) command.addOption(commanderOption(spec));
  return command;
}

/** A run id for a past run: what rollback, resume, status, show and report take. */
const RUN_ID = 'run id or unique prefix (see golive history)';

/** Register all commands on the program. */
export function registerCommands(program: Command, setExit: SetExit): void {
  const run =
    <A extends unknown[]>(load: () => Promise<(...args: A) => Promise<number>>) =>
    async (...args: A) =>
      setExit(await (await load())(...args));
  const { env, json } = OPTIONS;

  taking(
    program
      .command('validate')
      .description('check runbooks against the schema and the semantic rules; print every problem as file:line:col')
      .argument('<runbook...>', 'runbook files'),
    [saying(env, 'check templates against this environment only'), saying(json, 'print problems as JSON objects')],
  ).action(run(async () => (await import('../commands/validate.js')).validateCommand));

  taking(
    program
      .command('plan')
      .description('show the resolved plan: every step, owner, command, expected time, rollback; executes nothing')
      .argument('<runbook>', 'runbook file'),
    [env, OPTIONS.var, saying(json, 'print the plan as JSON')],
  ).action(run(async () => (await import('../commands/plan.js')).planCommand));

  taking(
    program
      .command('run')
      .description('run a deployment: checks, steps, smoke tests; roll back on failure; record everything')
      .argument('<runbook>', 'runbook file'),
    [saying(env, 'environment to deploy to'), OPTIONS.var, OPTIONS.overrideWindow, OPTIONS.dryRun, OPTIONS.checkTargets, ...RECORDING, ...RUN_CONTROL],
  ).action(run(async () => (await import('../commands/run.js')).runCommand));

  taking(
    program
      .command('check')
      .description('run only the pre-deployment checklist: the go/no-go meeting in one command (exit 4 on NO-GO)')
      .argument('<runbook>', 'runbook file'),
    [saying(env, 'environment to check'), OPTIONS.var, ...RECORDING, ...RUN_CONTROL],
  ).action(run(async () => (await import('../commands/check.js')).checkCommand));

  taking(
    program
      .command('rollback')
      .description('roll back a run from its stored runbook snapshot and outputs (default: the latest run of the deployment with something left to undo)')
      .argument('[run-id]', RUN_ID),
    [
      OPTIONS.runbook,
      saying(env, 'with no run id: the latest run in this environment'),
      OPTIONS.keepGoing,
      saying(OPTIONS.yes, 'confirm rolling back a protected environment (recorded as confirmed with --yes)'),
      saying(OPTIONS.overrideWindow, 'roll back a protected environment outside the runbook window (the reason is recorded)'),
      saying(OPTIONS.rerunInDoubt, 'run again a rollback that an earlier, killed rollback left in doubt and whose validation fails'),
      OPTIONS.db,
      OPTIONS.operator,
      json,
    ],
  ).action(run(async () => (await import('../commands/rollback.js')).rollbackCommand));

  taking(program.command('resume').description('continue an aborted, failed or interrupted run from where it stopped').argument('[run-id]', RUN_ID), [
    OPTIONS.runbook,
    saying(env, 'with no run id: the latest run in this environment'),
    OPTIONS.rerunInDoubt,
    saying(OPTIONS.overrideWindow, 'resume in a protected environment outside the runbook window (the reason is recorded)'),
    OPTIONS.db,
    OPTIONS.operator,
    json,
    ...RUN_CONTROL,
  ]).action(run(async () => (await import('../commands/resume.js')).resumeCommand));

  taking(
    program
      .command('rehearse')
      .description('rehearse in UAT: run for real, roll everything back, verify the restore, report step timings')
      .argument('<runbook>', 'runbook file'),
    [
      saying(env, 'environment to rehearse in'),
      OPTIONS.var,
      OPTIONS.allowProtected,
      saying(OPTIONS.overrideWindow, 'with --allow-protected: rehearse outside the runbook window (the reason is recorded)'),
      ...RECORDING,
      ...RUN_CONTROL,
    ],
  ).action(run(async () => (await import('../commands/rehearse.js')).rehearseCommand));

  const POINT = 'the check, step or environment id the run waits at (golive status names it)';
  taking(
    program
      .command('approve')
      .description("approve the check, step or environment a run waits at, from any terminal that reaches the run's journal")
      .argument('<run-id>', RUN_ID)
      .argument('<id>', POINT),
    [OPTIONS.comment, OPTIONS.approver, OPTIONS.db],
  ).action(run(async () => (await import('../commands/approve.js')).approveCommand));

  taking(
    program
      .command('reject')
      .description('reject the check, step or environment a run waits at: the run takes its failure policy, showing the reason')
      .argument('<run-id>', RUN_ID)
      .argument('<id>', POINT),
    [OPTIONS.reason, OPTIONS.approver, OPTIONS.db],
  ).action(run(async () => (await import('../commands/reject.js')).rejectCommand));

  taking(
    program
      .command('estimate')
      .description("suggest each step's expected duration from recorded runs and rehearsals (90th percentile)")
      .argument('<runbook>', 'runbook file'),
    [saying(env, 'only history from this environment'), OPTIONS.dbOfRunbook, OPTIONS.write, saying(json, 'print the estimates as JSON')],
  ).action(run(async () => (await import('../commands/estimate.js')).estimateCommand));

  const audit = program.command('audit').description('the tamper-evident audit journal');
  taking(audit.command('verify').description('check the hash chain of every event and every runbook snapshot; exit 1 naming the first altered row'), [
    OPTIONS.db,
    saying(json, 'print the result as JSON'),
  ]).action(run(async () => (await import('../commands/audit.js')).auditVerifyCommand));
  taking(audit.command('export').description('print recorded events as JSON lines (secrets are masked before they are stored)'), [
    OPTIONS.db,
    OPTIONS.run,
    OPTIONS.exportFormat,
  ]).action(run(async () => (await import('../commands/audit.js')).auditExportCommand));
  taking(
    audit
      .command('replay')
      .description("append the events a run kept in its spool file (its journal's server stayed away) to its chain; replaying twice appends nothing")
      .argument('<spool-file>', 'the spool file the stopped run named (.golive/spool/<run-id>.jsonl)'),
    [OPTIONS.db, saying(json, 'print the result as JSON')],
  ).action(run(async () => (await import('../commands/audit-replay.js')).auditReplayCommand));

  taking(
    program
      .command('init')
      .description('write a commented starter runbook (with the schema line for editor completion)')
      .argument('[file]', 'where to write it', 'runbook.yaml'),
    [OPTIONS.name],
  ).action(run(async () => (await import('../commands/init.js')).initCommand));

  taking(program.command('schema').description('print the runbook JSON Schema, or write the copy a repository keeps for its editors'), [
    OPTIONS.writeSchema,
  ]).action(run(async () => (await import('../commands/schema.js')).schemaCommand));

  taking(program.command('history').description('list past runs, newest first: status, duration, operator, parent run'), [
    saying(OPTIONS.runbook, 'only runs of this runbook'),
    saying(env, 'only runs in this environment'),
    OPTIONS.limit,
    OPTIONS.db,
    saying(json, 'print the runs as a JSON array'),
  ]).action(run(async () => (await import('../commands/history.js')).historyCommand));

  taking(
    program
      .command('show')
      .description('one past run step by step: attempts, output tails, rollback, smoke tests, decisions, issues')
      .argument('<run-id>', RUN_ID),
    [OPTIONS.db, saying(json, 'print the run as one JSON object')],
  ).action(run(async () => (await import('../commands/show.js')).showCommand));

  taking(
    program
      .command('status')
      .description(
        'the status update: current activity, progress, On Track / Delayed / Blocked, issues, next steps, ETA; works while a run is live in another terminal',
      )
      .argument('[run-id]', 'run id or unique prefix (default: the live run, else the latest)'),
    [OPTIONS.watch, OPTIONS.interval, OPTIONS.db, saying(json, 'print the status as one JSON object (one line per update with --watch)')],
  ).action(run(async () => (await import('../commands/status.js')).statusCommand));

  taking(
    program
      .command('report')
      .description('the deployment summary report of a run: decision, timeline vs expected, issues, rollback, audit status')
      .argument('<run-id>', RUN_ID),
    [OPTIONS.reportFormat, OPTIONS.output, OPTIONS.db],
  ).action(run(async () => (await import('../commands/report.js')).reportCommand));

  program
    .command('logs')
    .description('step log files: prune those of old runs (the journal keeps every event)')
    .command('prune')
    .description('delete the log folders of runs that ended before --older-than; show and report then say the log was pruned')
    .option('--older-than <age>', 'how old a run must be (ended that long ago): 90d, 12w, 36h')
    .option(
      '--db <path>',
      'audit journal file (default: GOLIVE_DB, else the nearest .golive/golive.db from here up to the repository root); the logs are beside it',
    )
    .option('--dry-run', 'list what would be deleted; delete nothing')
    .option('--json', 'print the result as one JSON object')
    .action(run(async () => (await import('../commands/logs.js')).logsPruneCommand));

  program
    .command('completion')
    .description('print a completion script for bash, zsh or fish (commands, flags, environments, run ids)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .action(run(async () => (await import('../commands/completion.js')).completionCommand));

  // What the completion scripts call: candidates for the word being typed.
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .helpOption(false)
    .action(run(async () => (await import('../commands/complete.js')).completeCommand));

  addHelpText(program);
}
