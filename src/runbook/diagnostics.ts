/**
 * Problems found in a runbook. Every problem points at a place in the file
 * (`file:line:col`), has a stable code, and is either an error (the runbook
 * cannot run) or a warning (it can, but probably not as intended).
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** What to do about it, when we can tell. */
  hint?: string;
}

/** Stable diagnostic codes. Once released, a code never changes meaning. */
export const Codes = {
  /** The file cannot be read: missing, a directory, binary, or too large. */
  Unreadable: 'E001',
  /** YAML syntax: tabs, duplicate keys, bad indentation, unclosed quotes. */
  Syntax: 'E002',
  /** The document is empty, or a list/scalar instead of a mapping. */
  NotAMapping: 'E003',
  /** Too many alias expansions ("billion laughs"). */
  AliasBomb: 'E004',
  /** A key the schema does not know. */
  UnknownKey: 'E010',
  /** A required key is missing. */
  MissingKey: 'E011',
  /** A value of the wrong type. */
  WrongType: 'E012',
  /** A value outside the allowed set or pattern. */
  InvalidValue: 'E013',
  /** Any other schema violation (e.g. both `run` and `confirm`). */
  Schema: 'E014',
  /** Two checks/steps/verifies share an id. */
  DuplicateId: 'E020',
  /** `{{ vars.x }}` names a variable that is not defined (everywhere needed). */
  UnknownVar: 'E021',
  /** `{{ secrets.X }}` names an undeclared secret. */
  UnknownSecret: 'E022',
  /** `{{ steps.<id>.outputs.<name> }}` of an unknown, later or sibling step. */
  BadStepReference: 'E023',
  /** `owner` names a role missing from `team`. */
  UnknownOwner: 'E024',
  /** `window.start` is not before `window.end`, or is not a date-time. */
  BadWindow: 'E025',
  /** A duration that does not parse. */
  BadDuration: 'E026',
  /** The runbook has no steps. */
  NoSteps: 'E027',
  /** `--env` names an environment the runbook does not define. */
  UnknownEnvironment: 'E028',
  /** A `{{` without `}}`, or an expression golive does not understand. */
  BadTemplate: 'E029',
  /** A value no process can receive: a NUL byte, or a variable or env value over MAX_ARG_STRLEN. */
  Unspawnable: 'E030',
  /** A duration longer than a timer can wait (2^31-1 ms). */
  DurationTooLong: 'E031',
  /** An id too long to name its log files (NAME_MAX). */
  IdTooLong: 'E032',
  /** A secret `file:` that is a directory, FIFO, device or socket, or larger than 64 KiB. */
  UnusableSecretFile: 'E033',
  /** Variables whose values refer to each other in a cycle. */
  VarCycle: 'E034',
  /** A `when:` condition that does not parse. */
  BadCondition: 'E035',
  /** An `include:` whose file cannot be read, is not a list of steps, or uses a param it was not given. */
  BadInclude: 'E036',
  /** Included files that include each other in a cycle. */
  IncludeCycle: 'E037',
  /** `approvers` names a role missing from `team`. */
  UnknownApprover: 'E038',
  /** An approver role none of whose people has a `user`: nobody could be recognised as approving. */
  ApproverWithoutUser: 'E039',
  /** `min_approvals` larger than the number of people who could approve. */
  TooFewApprovers: 'E040',
  /** An `on:` or a rollout naming a group of `targets` that is not defined (for some environment). */
  UnknownTargetGroup: 'E041',
  /** Rollout waves that shrink, leave hosts out, or take none. */
  BadWaves: 'E042',
  /** Warning: a timeout shorter than the step's expected duration. */
  TimeoutBelowDuration: 'W001',
  /** Warning: an unquoted value YAML read as a number that prints differently (`1.10` became 1.1). */
  NumberChangedByYaml: 'W002',
  /** Warning (`golive validate` only): a command step with no rollback. */
  NoRollback: 'W003',
} as const;

export type DiagnosticCode = (typeof Codes)[keyof typeof Codes];

/** Sort by position, errors before warnings at the same place. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}
