/**
 * Every command's flags, in one place. Each action lazily imports the module
 * that does the work (so `golive validate` never loads SQLite or execa) and
 * hands back an exit code.
 */
import { Argument, Option, type Command } from 'commander';
import { addHelpText } from './help-text.js';
import { collectList, collectVar } from './flags.js';

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
    .action(run(async () => (await import('../commands/validate.js')).validateCommand));

  program
    .command('plan')
    .description('show the resolved plan: every step, owner, command, expected time, rollback; executes nothing')
    .argument('<runbook>', 'runbook file')
    .option('--env <name>', 'environment to resolve for')
    .option('--var <name=value>', 'set a variable declared in the runbook (repeatable, once per name)', collectVar)
    .option('--json', 'print the plan as JSON')
    .action(run(async () => (await import('../commands/plan.js')).planCommand));

  const journalOptions = (command: Command) => command
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else .golive/golive.db at the runbook\'s repository root or beside it; rollback and resume look up from here)')
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
    .option('--var <name=value>', 'set a variable declared in the runbook (repeatable, once per name)', collectVar)
    .option('--override-window <reason>', 'deploy to a protected environment outside the runbook window (the reason is recorded)')
    .option('--dry-run', 'execute nothing: print the plan and every problem found without executing, and record the dry run'))
    .action(run(async () => (await import('../commands/run.js')).runCommand));

  runFlags(program
    .command('check')
    .description('run only the pre-deployment checklist: the go/no-go meeting in one command (exit 4 on NO-GO)')
    .argument('<runbook>', 'runbook file')
    .option('--env <name>', 'environment to check')
    .option('--var <name=value>', 'set a variable declared in the runbook (repeatable, once per name)', collectVar))
    .action(run(async () => (await import('../commands/check.js')).checkCommand));

  journalOptions(program
    .command('rollback')
    .description('roll back a run from its stored runbook snapshot and outputs (default: the latest run of the deployment with something left to undo)')
    .argument('[run-id]', 'run id or unique prefix (see golive history)')
    .option('--runbook <name>', 'with no run id: the latest run of this runbook')
    .option('--env <name>', 'with no run id: the latest run in this environment')
    .option('--keep-going', 'keep rolling back after a rollback command fails')
    .option('--yes', 'confirm rolling back a protected environment (recorded as confirmed with --yes)')
    .option('--override-window <reason>', 'roll back a protected environment outside the runbook window (the reason is recorded)')
    .option('--rerun-in-doubt', 'run again a rollback that an earlier, killed rollback left in doubt and whose validation fails'))
    .action(run(async () => (await import('../commands/rollback.js')).rollbackCommand));

  runFlags(program
    .command('resume')
    .description('continue an aborted, failed or interrupted run from where it stopped')
    .argument('[run-id]', 'run id or unique prefix (see golive history)')
    .option('--runbook <name>', 'with no run id: the latest run of this runbook')
    .option('--env <name>', 'with no run id: the latest run in this environment')
    .option('--rerun-in-doubt', 'run again a step that was interrupted and whose validation fails')
    .option('--override-window <reason>', 'resume in a protected environment outside the runbook window (the reason is recorded)'))
    .action(run(async () => (await import('../commands/resume.js')).resumeCommand));

  runFlags(program
    .command('rehearse')
    .description('rehearse in UAT: run for real, roll everything back, verify the restore, report step timings')
    .argument('<runbook>', 'runbook file')
    .option('--env <name>', 'environment to rehearse in')
    .option('--var <name=value>', 'set a variable declared in the runbook (repeatable, once per name)', collectVar)
    .option('--allow-protected', 'rehearse in a protected environment (it will be rolled back; its confirmation and window still apply)')
    .option('--override-window <reason>', 'with --allow-protected: rehearse outside the runbook window (the reason is recorded)'))
    .action(run(async () => (await import('../commands/rehearse.js')).rehearseCommand));

  program
    .command('estimate')
    .description('suggest each step\'s expected duration from recorded runs and rehearsals (90th percentile)')
    .argument('<runbook>', 'runbook file')
    .option('--env <name>', 'only history from this environment')
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else .golive/golive.db at the runbook\'s repository root or beside it)')
    .option('--write', 'update the duration: values in the file, keeping comments and layout')
    .option('--json', 'print the estimates as JSON')
    .action(run(async () => (await import('../commands/estimate.js')).estimateCommand));

  const audit = program.command('audit').description('the tamper-evident audit journal');
  audit
    .command('verify')
    .description('check the hash chain of every event and every runbook snapshot; exit 1 naming the first altered row')
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else the nearest .golive/golive.db from here up to the repository root)')
    .option('--json', 'print the result as JSON')
    .action(run(async () => (await import('../commands/audit.js')).auditVerifyCommand));
  audit
    .command('export')
    .description('print recorded events as JSON lines (secrets are masked before they are stored)')
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else the nearest .golive/golive.db from here up to the repository root)')
    .option('--run <run-id>', 'only this run and its resumes/rollbacks')
    .option('--format <format>', 'jsonl (the only format)', 'jsonl')
    .action(run(async () => (await import('../commands/audit.js')).auditExportCommand));

  program
    .command('init')
    .description('write a commented starter runbook (with the schema line for editor completion)')
    .argument('[file]', 'where to write it', 'runbook.yaml')
    .option('--name <name>', 'the runbook name (default: from the file name)')
    .action(run(async () => (await import('../commands/init.js')).initCommand));

  program
    .command('history')
    .description('list past runs, newest first: status, duration, operator, parent run')
    .option('--runbook <name>', 'only runs of this runbook')
    .option('--env <name>', 'only runs in this environment')
    .option('--limit <n>', 'how many runs to list (default: 20)')
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else the nearest .golive/golive.db from here up to the repository root)')
    .option('--json', 'print the runs as a JSON array')
    .action(run(async () => (await import('../commands/history.js')).historyCommand));

  program
    .command('show')
    .description('one past run step by step: attempts, output tails, rollback, smoke tests, decisions, issues')
    .argument('<run-id>', 'run id or unique prefix (see golive history)')
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else the nearest .golive/golive.db from here up to the repository root)')
    .option('--json', 'print the run as one JSON object')
    .action(run(async () => (await import('../commands/show.js')).showCommand));

  program
    .command('status')
    .description('the status update: current activity, progress, On Track / Delayed / Blocked, issues, next steps, ETA; works while a run is live in another terminal')
    .argument('[run-id]', 'run id or unique prefix (default: the live run, else the latest)')
    .option('--watch', 're-print every --interval until the run ends (Ctrl-C to stop watching)')
    .option('--interval <duration>', 'how often --watch re-reads the journal', '5s')
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else the nearest .golive/golive.db from here up to the repository root)')
    .option('--json', 'print the status as one JSON object (one line per update with --watch)')
    .action(run(async () => (await import('../commands/status.js')).statusCommand));

  program
    .command('report')
    .description('the deployment summary report of a run: decision, timeline vs expected, issues, rollback, audit status')
    .argument('<run-id>', 'run id or unique prefix (see golive history)')
    .addOption(new Option('--format <format>', 'md (GitHub Markdown), html (one self-contained page with a timeline chart), json (the report model) or junit (XML for CI)').choices(['md', 'html', 'json', 'junit']).default('md'))
    .option('-o, --output <file>', 'write the report to this file instead of stdout (an existing file is overwritten: reports are regenerated from the journal)')
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else the nearest .golive/golive.db from here up to the repository root)')
    .action(run(async () => (await import('../commands/report.js')).reportCommand));

  program
    .command('logs')
    .description('step log files: prune those of old runs (the journal keeps every event)')
    .command('prune')
    .description('delete the log folders of runs that ended before --older-than; show and report then say the log was pruned')
    .option('--older-than <age>', 'how old a run must be (ended that long ago): 90d, 12w, 36h')
    .option('--db <path>', 'audit journal file (default: GOLIVE_DB, else the nearest .golive/golive.db from here up to the repository root); the logs are beside it')
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
