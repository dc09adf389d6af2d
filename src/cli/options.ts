/**
 * Every command-line option, declared once as data: its spelling, what it
 * means, the values it takes and how they are read. Commands list the
 * options they take (cli/program.ts); `--help` and shell completion both read
 * these declarations through commander.
 */
import { Option } from 'commander';
import type { ReportFormat } from '../commands/report.js';
import type { FailurePolicy } from '../runbook/types.js';
import { collectList, collectVar } from './flags.js';

/** One option. */
export interface OptionSpec {
  /** Commander's spelling: `--db <path>`, `-o, --output <file>`, `--yes`. */
  readonly flags: string;
  /** The line `--help` prints for it. */
  readonly description: string;
  /** The only values it accepts: `--help` lists them, completion offers them, anything else is refused. */
  readonly choices?: readonly string[];
  /** Its value when it is not given (shown by `--help`). */
  readonly defaultValue?: string;
  /** Reads one value, given what earlier occurrences of the option gave (repeatable options collect). */
  readonly parse?: (value: string, previous: never) => unknown;
}

/** `spec` with the words one command uses for it (what `--env` selects differs between `run` and `history`). */
export function saying(spec: OptionSpec, description: string): OptionSpec {
  return { ...spec, description };
}

/** The commander option for `spec`. */
export function commanderOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices(spec.choices);
  if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
  if (spec.parse) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
  return option;
}

/** The options, by what they are for. Descriptions are the common wording; `saying` gives a command its own. */
export const OPTIONS = {
  /** Commands that execute a runbook write to its project's journal (journal/journal-path.ts `journalForRunbook`). */
  dbOfRunbook: {
    flags: '--db <path>',
    description:
      "audit journal: a file, or a postgres:// URL (default: GOLIVE_DB, else the journal the project's .golive/config names, else .golive/golive.db at the runbook's repository root or beside it)",
  },
  /** Commands that read the journal, or act on a past run, look for it from the working directory (`findJournal`). */
  db: {
    flags: '--db <path>',
    description:
      'audit journal: a file, or a postgres:// URL (default: GOLIVE_DB, else the nearest .golive/ from here up to the repository root that names one in its config or holds golive.db)',
  },
  env: { flags: '--env <name>', description: 'environment to resolve for' },
  var: { flags: '--var <name=value>', description: 'set a variable declared in the runbook (repeatable, once per name)', parse: collectVar },
  json: { flags: '--json', description: 'print one JSON event per line' },
  operator: { flags: '--operator <name>', description: 'who is running this (default: the OS user)' },
  onFailure: {
    flags: '--on-failure <policy>',
    description: 'failure policy for steps without their own on_failure',
    choices: ['rollback', 'ask', 'abort', 'continue'] satisfies FailurePolicy[],
  },
  yes: { flags: '--yes', description: 'approve every confirmation (recorded as approved with --yes)' },
  approve: { flags: '--approve <id>', description: 'approve one confirmation by check/step id (repeatable)', parse: collectList },
  keepGoing: { flags: '--keep-going', description: 'keep rolling back after a rollback command fails' },
  overrideWindow: {
    flags: '--override-window <reason>',
    description: 'deploy to a protected environment outside the runbook window (the reason is recorded)',
  },
  dryRun: { flags: '--dry-run', description: 'execute nothing: print the plan and every problem found without executing, and record the dry run' },
  checkTargets: {
    flags: '--check-targets',
    description: 'with --dry-run: connect to every remote host in batch mode (executing nothing of the runbook there) and report those that refuse',
  },
  runbook: { flags: '--runbook <name>', description: 'with no run id: the latest run of this runbook' },
  rerunInDoubt: { flags: '--rerun-in-doubt', description: 'run again a step that was interrupted and whose validation fails' },
  allowProtected: {
    flags: '--allow-protected',
    description: 'rehearse in a protected environment (it will be rolled back; its confirmation and window still apply)',
  },
  write: { flags: '--write', description: 'update the duration: values in the file, keeping comments and layout' },
  writeSchema: { flags: '--write <file>', description: 'write it to this file (e.g. .golive/runbook.schema.json) instead of printing it' },
  run: { flags: '--run <run-id>', description: 'only this run and its resumes/rollbacks' },
  exportFormat: { flags: '--format <format>', description: 'jsonl (the only format)', defaultValue: 'jsonl' },
  reportFormat: {
    flags: '--format <format>',
    description: 'md (GitHub Markdown), html (one self-contained page with a timeline chart), json (the report model) or junit (XML for CI)',
    choices: ['md', 'html', 'json', 'junit'] satisfies ReportFormat[],
    defaultValue: 'md',
  },
  output: {
    flags: '-o, --output <file>',
    description: 'write the report to this file instead of stdout (an existing file is overwritten: reports are regenerated from the journal)',
  },
  name: { flags: '--name <name>', description: 'the runbook name (default: from the file name)' },
  limit: { flags: '--limit <n>', description: 'how many runs to list (default: 20)' },
  watch: {
    flags: '--watch',
    description: 're-print every --interval until the run ends, waiting out a journal server that goes away (Ctrl-C to stop watching)',
  },
  comment: { flags: '--comment <text>', description: 'a note recorded with the approval' },
  reason: { flags: '--reason <text>', description: 'why (required): recorded, and shown to the operator of the run' },
  approver: {
    flags: '--operator <name>',
    description: 'your display name, recorded beside the identity the journal establishes (default: that identity)',
  },
  interval: { flags: '--interval <duration>', description: 'how often --watch re-reads the journal', defaultValue: '5s' },
} as const satisfies Record<string, OptionSpec>;

/** What a run records with: where, by whom, and events as JSON lines. */
export const RECORDING: readonly OptionSpec[] = [OPTIONS.dbOfRunbook, OPTIONS.operator, OPTIONS.json];

/** How a run handles failures and confirmations. */
export const RUN_CONTROL: readonly OptionSpec[] = [OPTIONS.onFailure, OPTIONS.yes, OPTIONS.approve, OPTIONS.keepGoing];
