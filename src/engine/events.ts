/**
 * Everything the engine does is told as one of these events, in order. The
 * audit journal records each one (and acknowledges) before the engine starts the
 * next process; renderers and the notifier react to the same stream.
 *
 * Persisted: once released, a kind and the meaning of its fields never change.
 */
import type { RunIdentity } from '../journal/types.js';
import type { OutputStream } from '../process/types.js';
import type { Severity } from '../runbook/types.js';

/** Why a run exists. */
export type RunMode = 'run' | 'dry-run' | 'rehearsal' | 'rollback' | 'resume' | 'check';

/** How a run ended (stored in the run row and in `run.finished`). */
export type RunOutcome =
  /** Every step and blocking smoke test passed. Exit 0. */
  | 'succeeded'
  /** Passed, with recorded issues (minor smoke tests, `continue` failures, CONDITIONAL GO). Exit 0. */
  | 'succeeded-with-issues'
  /** Rolled back cleanly: exit 1 after a failed deployment; exit 0 for `golive rollback` and a rehearsal, where rolling back was the job. */
  | 'rolled-back'
  /** Failed and stopped on purpose; resumable and roll-backable. Exit 3. */
  | 'aborted'
  /**
   * A rollback command (or its validation) failed: the system is NOT fully
   * restored. Exit 3. Runs recorded before 'rollback-incomplete' and
   * 'restore-unverified' existed also used it for those two cases.
   */
  | 'rollback-failed'
  /** Every rollback command passed, but completed steps that define no rollback were left as they are. Exit 3. */
  | 'rollback-incomplete'
  /** Every step was rolled back, but `rollback.verify` failed: the restore is not proven. Exit 3. */
  | 'restore-unverified'
  /** A blocking check failed; no step ran. Exit 4. */
  | 'no-go'
  /** Stopped by SIGINT/SIGTERM/SIGHUP. Exit 130/143/129. */
  | 'interrupted'
  /** A dry run found problems that would stop the real run; nothing was executed. Exit 2. */
  | 'blocked';

/** What a command execution belongs to. */
export type Phase = 'check' | 'step' | 'validate' | 'verify' | 'rollback' | 'rollback-validate' | 'rollback-verify';

/** How one execution of a command ended. */
export type AttemptStatus = 'passed' | 'failed' | 'timed-out' | 'stopped' | 'not-started';

/** The logical state of a step in the deployment (what resume and rollback read). */
export type StepState =
  /** Ran and validated. */
  | 'succeeded'
  /** Failed after its retries. */
  | 'failed'
  /** Not run, by decision (operator skip, `continue` after failure). */
  | 'skipped'
  /** Started, but its end is unknown (killed, or golive died): validate before trusting it. */
  | 'in-doubt'
  /** Its rollback ran and passed. */
  | 'rolled-back'
  /** Its rollback failed: someone must act. */
  | 'rollback-failed'
  /** It completed but defines no rollback: left as is, reported. */
  | 'no-rollback';

/** What an operator (or a flag, or a policy) decided. */
export type DecisionSubject =
  | 'go-no-go'
  | 'confirm'
  | 'guided-failure'
  | 'smoke-test'
  | 'protected-environment'
  | 'window-override'
  | 'in-doubt'
  /** A role confirmed a rollout's wave healthy before the next one (subjectId `<rollout>.wave-<n>`). */
  | 'sign-off';

/**
 * How one host of a rollout ended (`target.finished`).
 */
export type TargetOutcome =
  /** Every step of the rollout passed on it. */
  | 'succeeded'
  /** A step failed and the host was left as it is: the failure went over `max_failures` and the run's policy decides. */
  | 'failed'
  /** A step failed within `max_failures`: the host was rolled back on its own and the rollout went on. */
  | 'rolled-back'
  /** A step failed within `max_failures` and the host's own rollback failed: someone must act. */
  | 'rollback-failed';

/** Signals that stop a run gracefully: Ctrl-C, a service manager, a dropped terminal or SSH session. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** A person who may approve: role, name and the identity (OS user or database role) that is theirs. */
export interface Approver {
  role: string;
  name: string;
  user: string;
}

/**
 * An accepted answer as an earlier run of the chain recorded it, carried
 * into a resume (`approval.carried`): who approved, as which identity, when.
 */
export interface CarriedAnswer {
  /** When it was given (in the earlier run). */
  at: string;
  identity: RunIdentity;
  by: string;
  person?: Approver;
  comment?: string;
  via: 'command' | 'prompt';
  host: string;
}

export interface RunbookIdentity {
  name: string;
  version?: string;
  path: string;
  sha256: string;
}

export type EngineEventBody =
  | {
      kind: 'run.started';
      mode: RunMode;
      runbook: RunbookIdentity;
      environment?: string;
      operator: string;
      host: string;
      change?: string;
      /** Ids of the steps in order (group members flattened). */
      steps: string[];
      /** Sum of expected durations (parallel groups count their longest member). */
      expectedMs: number;
      /** The resolved variables (runbook, environment, --var): a later rollback or resume renders the same commands. */
      vars: Record<string, string>;
      /** The text of each file the runbook includes, by path relative to its directory: a later rollback or resume never reads today's files. */
      included?: Record<string, string>;
      parentRunId?: string;
      /** The audit journal the run writes to (added by the session; absent in runs recorded before it existed). */
      journal?: string;
    }
  | { kind: 'check.finished'; checkId: string; passed: boolean; blocking: boolean; reason?: string }
  | {
      kind: 'question.asked';
      subject: DecisionSubject;
      subjectId?: string;
      /** The question as shown (secrets masked). */
      question: string;
      /** Who is asked (the operator). */
      to: string;
    }
  | {
      kind: 'decision';
      subject: DecisionSubject;
      subjectId?: string;
      choice: string;
      reason?: string;
      by: string;
      /** `approval`: named approvers decided it (their `approval` events say who; added with approvals). */
      via: 'prompt' | 'flag' | 'policy' | 'approval';
    }
  | {
      /** The run waits at a point named people must approve (recorded when it starts waiting: `at` is since when). */
      kind: 'approval.requested';
      subject: DecisionSubject;
      /** The check, step or environment id `golive approve <run-id> <id>` names. */
      pointId: string;
      /** What is to be approved, as shown (secrets masked). */
      title: string;
      /** Everyone who may approve: role, name, and the identity that is theirs. */
      approvers: Approver[];
      minApprovals: number;
      /** Whether the identity that started the run may approve it. */
      selfApproval: boolean;
      /** The identity that started the run; null when the journal recorded none. */
      runner: string | null;
      timeoutMs?: number;
    }
  | {
      /**
       * One answer to an approval request, recorded by whoever gave it: `golive
       * approve` / `reject` from any process that reaches the journal, or the
       * prompt in the runner's terminal. A refused attempt is recorded too.
       */
      kind: 'approval';
      pointId: string;
      /** What was asked for: approve or reject. */
      answer: 'approve' | 'reject';
      /** Counted (`accepted`), or turned away and why (`refused`). */
      verdict: 'accepted' | 'refused';
      refusal?: string;
      /** The identity the journal established for the approver (session_user, or the OS user). */
      identity: RunIdentity;
      /** The display name given (`--operator`), else the identity's user. */
      by: string;
      /** The team member whose user is the identity, when one is. */
      person?: Approver;
      /** `--comment` of an approval, `--reason` of a rejection. */
      comment?: string;
      via: 'command' | 'prompt';
      host: string;
    }
  | {
      /**
       * A resume relies on an approval given in an earlier run of its chain
       * (recorded instead of `approval.requested`; a `decision` with `via:
       * approval` follows): the point was approved and decided there, and its
       * approvers are not asked again. Added with approvals across resume.
       */
      kind: 'approval.carried';
      subject: DecisionSubject;
      pointId: string;
      /** What was approved, as shown (secrets masked). */
      title: string;
      /** The run of the chain whose approvers approved it. */
      fromRunId: string;
      /** The answers that approved it there, counted again by the rules of this resume. */
      approvedBy: CarriedAnswer[];
    }
  | {
      kind: 'step.started';
      phase: Phase;
      stepId: string;
      /** The host it ran on (`on:` steps and rollouts); absent for a local command. */
      target?: string;
      /** The rollout and wave it belongs to. */
      rollout?: string;
      wave?: number;
      title: string;
      owner?: string;
      group?: string;
      attempt: number;
      attempts: number;
      expectedMs?: number;
      timeoutMs?: number;
      /** The command with secrets masked. */
      command: string;
    }
  | {
      kind: 'step.spawned';
      phase: Phase;
      stepId: string;
      /** The host it ran on (`on:` steps and rollouts); absent for a local command. */
      target?: string;
      attempt: number;
      /** Process id of the command's group leader (= its process group id): what to look for if golive dies. */
      pid: number;
    }
  | { kind: 'step.output'; phase: Phase; stepId: string; target?: string; stream: OutputStream; text: string }
  | {
      kind: 'step.finished';
      phase: Phase;
      stepId: string;
      /** The host it ran on (`on:` steps and rollouts); absent for a local command. */
      target?: string;
      attempt: number;
      status: AttemptStatus;
      exitCode: number | null;
      signal: string | null;
      durationMs: number;
      expectedMs?: number;
      head: string;
      tail: string;
      outputBytes: number;
      outputs: Record<string, string>;
      /**
       * Outputs the command wrote but golive did not keep, because their
       * value contains a secret (names only; added after format v1 first
       * landed). A later command that refers to one fails before it starts.
       */
      refusedOutputs?: string[];
      logPath?: string;
      message?: string;
      /** The ssh connection failed, not the command (see CommandResult.transportError): the cause, naming the host. */
      transportError?: string;
    }
  | { kind: 'step.retrying'; phase: Phase; stepId: string; target?: string; nextAttempt: number; delayMs: number }
  | { kind: 'step.state'; stepId: string; target?: string; state: StepState; reason?: string }
  | {
      kind: 'wave.started';
      rollout: string;
      /** 1-based. */
      wave: number;
      waves: number;
      /** The hosts this wave runs now (a resumed wave: only those not done). */
      targets: string[];
    }
  | {
      kind: 'target.finished';
      rollout: string;
      wave: number;
      target: string;
      outcome: TargetOutcome;
      /** The step that failed on it, and why. */
      failedStep?: string;
      reason?: string;
    }
  | { kind: 'verify.finished'; verifyId: string; severity: Severity; passed: boolean; reason?: string }
  | { kind: 'rollback.started'; reason: string; order: string[]; withoutRollback: string[] }
  | {
      kind: 'rollback.finished';
      /** Every rollback command that was due ran and passed. */
      complete: boolean;
      failed: string[];
      withoutRollback: string[];
      verified?: boolean;
      /** Completed command steps without a rollback, left as they are (absent in runs recorded before it existed). */
      unrestorable?: string[];
    }
  | { kind: 'run.interrupted'; signal: StopSignal; forced: boolean }
  | { kind: 'run.finished'; outcome: RunOutcome; exitCode: number; durationMs: number; issues: string[] }
  | { kind: 'warning'; message: string; stepId?: string };

/** An event as emitted: the body plus when it happened (ISO 8601, from the engine's clock). */
export type EngineEvent = EngineEventBody & { at: string };

export type EventKind = EngineEvent['kind'];

/** The event of one kind. */
export type EventOf<K extends EventKind> = Extract<EngineEvent, { kind: K }>;

/**
 * One handler per event kind. A mapped type, so adding a kind does not
 * compile until every renderer, the recorder and the notifier handle it.
 */
export type EventHandlers<R = void> = { [K in EventKind]: (event: EventOf<K>) => R };

/** Dispatch an event to its handler (typed, exhaustive). */
export function dispatch<R>(handlers: EventHandlers<R>, event: EngineEvent): R {
  const handler = handlers[event.kind] as (e: EngineEvent) => R;
  return handler(event);
}
