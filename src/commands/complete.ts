/**
 * `golive __complete -- <words…>`: the candidates for the last word of a
 * command line being typed, for the shell scripts `golive completion`
 * prints. The first line says what kind of answer follows: `:words` (one
 * candidate per line) or `:files` (let the shell complete file names). The
 * logic lives here, not in three shell dialects; it never fails loudly (a
 * completion that prints an error is worse than none).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { parse } from 'yaml';
import type { RunRecord } from '../journal/types.js';
import { openJournalIfThere } from '../session/reader.js';

/** Commands whose positional argument is a run id from the journal. */
const TAKES_RUN_ID = new Set(['show', 'report', 'rollback', 'resume', 'status']);

/** Commands that take a run id, then the check, step or environment id that run waits at. */
const ANSWERS_APPROVAL = new Set(['approve', 'reject']);

/** Print the candidates for `words` (everything after `golive`, the last being the word under the cursor). */
export async function completeCommand(words: string[], _options: unknown, command: Command): Promise<number> {
  const program = command.parent!;
  let answer: string[];
  try {
    answer = await candidates(program, words);
  } catch (error) {
    if (process.env.GOLIVE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    answer = [':words'];
  }
  process.stdout.write(`${answer.join('\n')}\n`);
  return 0;
}

async function candidates(program: Command, words: string[]): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const visible = program.commands.filter((c) => !c.name().startsWith('__'));
  if (before.length === 0) return [':words', ...visible.map((c) => c.name())];
  let command = visible.find((c) => c.name() === before[0]);
  if (!command) return [':words'];
  let rest = before.slice(1);
  if (command.commands.length > 0) {
    if (rest.length === 0) return [':words', ...command.commands.map((c) => c.name())];
    command = command.commands.find((c) => c.name() === rest[0]) ?? command;
    rest = rest.slice(1);
  }
  if (command.name() === 'completion') return [':words', 'bash', 'zsh', 'fish'];
  const previous = rest.at(-1);
  const option = previous?.startsWith('--') ? valueOption(command, previous) : undefined;
  if (option) return valuesFor(option, rest);
  if (current.startsWith('-')) return [':words', ...command.options.flatMap((o) => (o.long ? [o.long] : []))];
  if (ANSWERS_APPROVAL.has(command.name())) return approvalCandidates(command, rest);
  if (TAKES_RUN_ID.has(command.name())) return [':words', ...(await recentRuns(flagValue(rest, '--db'))).map((r) => r.id)];
  return [':files'];
}

/** The command's option spelled `flag`, when it takes a value. */
function valueOption(command: Command, flag: string): Option | undefined {
  const option = command.options.find((o) => o.long === flag);
  return option !== undefined && (option.required || option.optional) ? option : undefined;
}

/** Candidates for an option's value: its fixed choices (as declared in cli/options.ts), else what it names. */
async function valuesFor(option: Option, rest: string[]): Promise<string[]> {
  if (option.argChoices) return [':words', ...option.argChoices];
  const flag = option.long;
  if (flag === '--env') return [':words', ...environmentsOf(rest.find((w) => /\.ya?ml$/i.test(w)))];
  if (flag === '--runbook') return [':words', ...new Set((await recentRuns(flagValue(rest, '--db'))).map((r) => r.runbookName))];
  if (flag === '--db' || flag === '--output') return [':files'];
  return [':words'];
}

function flagValue(words: string[], flag: string): string | undefined {
  const at = words.lastIndexOf(flag);
  return at >= 0 ? words[at + 1] : undefined;
}

/** The environment names a runbook defines (its YAML only: completion must not wait for validation). */
function environmentsOf(file: string | undefined): string[] {
  if (file === undefined) return [];
  const data = parse(readFileSync(resolve(file), 'utf8')) as { environments?: unknown } | null;
  const environments = data?.environments;
  return environments !== null && typeof environments === 'object' ? Object.keys(environments) : [];
}

async function recentRuns(dbFlag: string | undefined): Promise<RunRecord[]> {
  const { store } = await openJournalIfThere(dbFlag);
  if (!store) return [];
  try {
    return await store.listRuns({ limit: 30 });
  } finally {
    await store.close();
  }
}

/** `approve`/`reject`: first the live runs, then the points the named run waits at. */
async function approvalCandidates(command: Command, rest: string[]): Promise<string[]> {
  const positionals = rest.filter((word, i) => !word.startsWith('-') && !(i > 0 && valueOption(command, rest[i - 1] ?? '')));
  const db = flagValue(rest, '--db');
  if (positionals.length === 0) return [':words', ...(await liveRuns(db)).map((r) => r.id)];
  if (positionals.length > 1) return [':words'];
  const { store } = await openJournalIfThere(db);
  if (!store) return [':words'];
  try {
    const run = await store.getRun(positionals[0] ?? '');
    if (!run) return [':words'];
    const events = await store.eventsSince(run.id, 0, ['approval.requested', 'decision']);
    const open = new Set<string>();
    for (const { event } of events) {
      if (event.kind === 'approval.requested') open.add(event.pointId);
      else if (event.kind === 'decision' && event.subjectId !== undefined) open.delete(event.subjectId);
    }
    return [':words', ...open];
  } finally {
    await store.close();
  }
}

async function liveRuns(dbFlag: string | undefined): Promise<RunRecord[]> {
  const { store } = await openJournalIfThere(dbFlag);
  if (!store) return [];
  try {
    return await store.runningRuns();
  } finally {
    await store.close();
  }
}
