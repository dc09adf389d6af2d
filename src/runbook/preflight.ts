/**
 * Problems a dry run can find without executing anything: a command whose
 * program is not on PATH (looked up here, in-process, not by running
 * `which`), a working directory or shell that does not exist. (Steps without
 * a rollback are listed by the plan itself.)
 * Finding "the program" of a shell command is a heuristic: the first word
 * after variable assignments, skipping shell keywords and builtins, and
 * skipping words that are themselves expansions (`$tool`).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { type Plan, type PlannedCommand, stageSteps } from './plan.js';
import { renderTemplate, type TemplateContext } from './templates.js';

const SHELL_WORDS = new Set([
  '!',
  '[',
  '[[',
  '{',
  '(',
  ':',
  '.',
  'alias',
  'break',
  'builtin',
  'case',
  'cd',
  'command',
  'continue',
  'declare',
  'echo',
  'eval',
  'exec',
  'exit',
  'export',
  'false',
  'for',
  'function',
  'if',
  'let',
  'local',
  'printf',
  'pwd',
  'read',
  'readonly',
  'return',
  'set',
  'shift',
  'source',
  'test',
  'time',
  'trap',
  'true',
  'type',
  'typeset',
  'ulimit',
  'umask',
  'unset',
  'until',
  'wait',
  'while',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'esac',
  'in',
  'select',
  '}',
  ')',
  '((',
  '))',
  ']]',
]);

/** Split a command at `&&`, `||`, `;`, `|`, `&` and newlines that are outside quotes. */
function simpleCommands(command: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  let depth = 0; // inside $( … ): not split, its programs are not looked up
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === '\\' && quote === '"') {
        current += c + (command[++i] ?? '');
        continue;
      }
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === '\\') {
      current += c + (command[++i] ?? '');
    } else if (c === '$' && command[i + 1] === '(') {
      depth++;
      current += c;
    } else if (c === ')' && depth > 0) {
      depth--;
      current += c;
    } else if (depth > 0) {
      current += c;
    } else if (c === '&' && (command[i - 1] === '>' || command[i - 1] === '<' || command[i + 1] === '>')) {
      current += c; // a redirection (2>&1, &>file), not a separator
    } else if (c === ';' || c === '|' || c === '&' || c === '\n') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** The programs of each simple command in a `&&` / `||` / `;` / `|` chain (as far as can be told without running it). */
function commandPrograms(command: string): string[] {
  return simpleCommands(command)
    .map(commandProgram)
    .filter((p): p is string => p !== undefined);
}

/** The program a simple shell command starts with, or undefined when it cannot be told without running it. */
function commandProgram(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  for (const word of words) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue; // FOO=bar cmd
    if (word === '' || SHELL_WORDS.has(word)) return undefined;
    if (/[$`'"*?(){}<>|;&]/.test(word) || /^(-|\d+$)/.test(word)) return undefined;
    return word;
  }
  return undefined;
}

/** True when `program` can be executed from `cwd` with `path` (the PATH value). */
function findsProgram(program: string, cwd: string, path: string): boolean {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, program));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Every problem found without executing, one line each. */
export function preflightProblems(plan: Plan, context: TemplateContext, env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  const path = env.PATH ?? '';
  // Asked once per directory and program: a runbook of thousands of steps names a handful of them,
  // and a look-up through PATH costs a few system calls per directory.
  const dirs = new Map<string, boolean>();
  const programs = new Map<string, boolean>();
  const isDir = (cwd: string) => dirs.get(cwd) ?? dirs.set(cwd, existsDir(cwd)).get(cwd)!;
  const finds = (program: string, cwd: string) => {
    const key = `${cwd}\u0000${program}`;
    return programs.get(key) ?? programs.set(key, findsProgram(program, cwd, path)).get(key)!;
  };
  const look = (label: string, command: PlannedCommand | undefined) => {
    if (!command) return;
    const cwd = resolve(
      plan.source.dir,
      renderTemplate(command.cwd, context, (p) => `<${p.expression}>`),
    );
    if (!isDir(cwd)) problems.push(`${label}: working directory ${cwd} does not exist`);
    if (!finds(command.shell, cwd)) problems.push(`${label}: shell \`${command.shell}\` is not on PATH`);
    for (const program of new Set(commandPrograms(renderTemplate(command.run, context, () => '$UNKNOWN')))) {
      if (!finds(program, cwd)) problems.push(`${label}: \`${program}\` is not on PATH${program.includes('/') ? ' (or not executable)' : ''}`);
    }
  };
  plan.checks.forEach((c) => {
    look(`check ${c.id}`, c.command);
  });
  // Commands on hosts run there: their programs and directories are the host's, not this machine's (see commands/target-checks.ts).
  for (const stage of plan.stages) {
    for (const s of stageSteps(stage)) {
      if (stage.kind === 'rollout' || s.on !== undefined) continue;
      look(`step ${s.id}`, s.command);
      look(`step ${s.id} validate`, s.validate);
      look(`step ${s.id} rollback`, s.rollback);
    }
  }

  plan.verify.forEach((v) => {
    look(`smoke test ${v.id}`, v.command);
  });
  plan.rollbackVerify.forEach((v) => {
    look(`rollback.verify ${v.id}`, v);
  });
  return problems;
}

function existsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
