/**
 * The state of one engine run: the plan, the options, the ports, what each
 * step has produced so far, and the commands in flight. Every engine module
 * works through this, so the run's facts live in one place.
 */
import { join } from 'node:path';
import type { RunIdentity } from '../journal/types.js';
import { createMasker, type Masker } from '../process/mask.js';
import type { RunningCommand } from '../process/types.js';
import { planInstances } from '../runbook/instances.js';
import type { Plan, PlannedStep } from '../runbook/plan.js';
import { renderTemplate, type TemplateContext } from '../runbook/templates.js';
import type { FailurePolicy } from '../runbook/types.js';
import type { CarriedApproval } from './approval-carry.js';
import type { DecisionSubject, EngineEventBody, RunMode, StepState, StopSignal, TargetOutcome } from './events.js';
import type { EnginePorts } from './ports.js';
import type { StepStanding } from './run-state.js';

/** What the operator said on the command line. */
export interface EngineOptions {
  runId: string;
  mode: RunMode;
  operator: string;
  host: string;
  /** Who the journal recorded as starting the run (OS user or database role): the one self-approval concerns. */
  identity?: RunIdentity | null;
  /** Secret values by name (never stored). */
  secrets: Record<string, string>;
  /** The environment templates and commands see (normally process.env). */
  env: NodeJS.ProcessEnv;
  /** `--on-failure`: overrides the runbook's default, not a step's own `on_failure`. */
  onFailure?: FailurePolicy;
  /** `--yes`: approve every confirmation. */
  approveAll: boolean;
  /** `--approve <id>`: approve these confirmations. */
  approved: Set<string>;
  /** `--keep-going`: carry on rolling back after a rollback command fails. */
  keepGoing: boolean;
  /** `--rerun-in-doubt`: run again a step (or a step's rollback) left in doubt whose validation fails. */
  rerunInDoubt?: boolean;
  /** Where step logs go: `<logDir>/<step-id>.log`. */
  logDir: string;
  /** Grace between SIGTERM and SIGKILL when stopping a step. */
  killGraceMs: number;
  /** Decisions taken before the run started (protected environment, window override), recorded after `run.started`. */
  preDecisions?: Array<{ subject: DecisionSubject; choice: string; reason: string; via: 'flag' | 'prompt' }>;
}

/** Where a step stands, as the engine tracks it while it runs (seeded from the chain's fold on resume and rollback). */
export interface StepRecord {
  state: StepStanding;
  /** Order of completion (for rollback order); undefined until it completes. */
  completedAt?: number;
  /** It failed and the run went on past it (`on_failure: continue`): undone in completion order, not first. */
  continued?: boolean;
  /**
   * Its rollback command started and no result was recorded (golive died
   * during it): the undo may or may not have happened. Never re-run silently.
   */
  rollbackInDoubt?: boolean;
}

/** Stop requests from signals: first graceful, second forced. */
export class Interruption {
  signal?: StopSignal;
  forced = false;
  readonly controller = new AbortController();
  private readonly listeners: Array<(forced: boolean) => void> = [];

  get requested(): boolean {
    return this.signal !== undefined;
  }

  /** A signal arrived: the first asks for a graceful stop, any later one forces it. */
  request(signal: StopSignal): void {
    if (this.signal !== undefined) this.forced = true;
    this.signal ??= signal;
    this.controller.abort();
    for (const listener of this.listeners) listener(this.forced);
  }

  /** Be told of every stop request (graceful or forced). */
  listen(listener: (forced: boolean) => void): void {
    this.listeners.push(listener);
  }
}

/** The run's shared state. */
export class RunContext {
  /** By step id, then output name; null prototypes, since both names are the user's. */
  readonly outputs: Record<string, Record<string, string>> = Object.create(null);
  /** Outputs not kept because they contain a secret, per step (see outputs.ts). */
  readonly refusedOutputs: Record<string, string[]> = Object.create(null);
  /** By step id, or `<step>@<host>` for one host's execution of a hosted step (runbook/instances.ts). */
  readonly steps = new Map<string, StepRecord>();
  /** Every execution the plan can make, by key: what an event names for a key (its step id and host). */
  readonly instances: ReadonlyMap<string, PlannedStep>;
  /** How each rollout's hosts ended, by `<rollout>@<host>` (seeded from the chain on resume and rollback). */
  readonly targetOutcomes = new Map<string, TargetOutcome>();
  /** Approvals an earlier run of the chain gave, which a resume relies on instead of asking again (approval-carry.ts), by point id. */
  readonly carriedApprovals = new Map<string, CarriedApproval>();
  /** Waves signed off, as `<rollout>.wave-<n>`. */
  readonly signedOff = new Set<string>();
  readonly issues: string[] = [];
  readonly active = new Set<RunningCommand>();
  readonly masker: Masker;
  /** Why the session halted the run's commands (engine/ports.ts Halts): what their ends say instead of the signal. */
  haltCause: string | undefined;
  private completionCounter = 0;
  /** Executions of each step's command started in this run (see `attemptsStarted`). */
  private readonly attemptCounts = new Map<string, number>();
  /** The last start turn handed out (see takeStartTurn). */
  private startTurns: Promise<void> = Promise.resolve();

  constructor(
    readonly plan: Plan,
    readonly options: EngineOptions,
    readonly ports: EnginePorts,
    readonly interruption: Interruption,
  ) {
    this.masker = createMasker(Object.values(options.secrets));
    this.instances = new Map(planInstances(plan).map((step) => [step.id, step]));
    interruption.listen((forced) => this.stopAll(forced));
    ports.halts?.onHalt((cause) => {
      this.haltCause = cause;
      this.stopAll(false);
    });
  }

  /** How many executions of the step's command this run has started: the next one is attempt n + 1. */
  attemptsStarted(stepId: string): number {
    return this.attemptCounts.get(stepId) ?? 0;
  }

  /** Count one more execution of the step's command. */
  countAttempt(stepId: string): void {
    this.attemptCounts.set(stepId, this.attemptsStarted(stepId) + 1);
  }

  /**
   * Wait for this command's turn to start, when commands start together (a
   * parallel group). A start (\`spawn\`) blocks the event loop for a few
   * milliseconds; started back to back, 500 members keep it blocked for
   * seconds, and the members that ended meanwhile are only seen to end
   * afterwards, so they were recorded as taking that long. One start per
   * turn of the event loop lets every member's end be seen when it happens.
   */
  takeStartTurn(): Promise<void> {
    const turn = this.startTurns.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.startTurns = turn;
    return turn;
  }

  /** Stamp and send an event; resolves once the sink has it (recorded). */
  async emit(event: EngineEventBody): Promise<void> {
    await this.ports.sink({ ...event, at: this.ports.clock.now().toISOString() } as EngineEventBody & { at: string });
  }

  /** Number completions after `last` (a resumed run continues the earlier runs' order). */
  continueCompletionOrder(last: number): void {
    this.completionCounter = Math.max(this.completionCounter, last);
  }

  /** Record a step's logical state (event + memory). */
  async setState(stepId: string, state: StepState, reason?: string): Promise<void> {
    const named = this.eventName(stepId);
    const record = this.steps.get(stepId) ?? { state };
    record.state = state;
    record.rollbackInDoubt = undefined; // any recorded state ends the doubt
    if (state !== 'failed') record.continued = undefined;
    if (state === 'succeeded' || state === 'failed') record.completedAt = ++this.completionCounter;
    this.steps.set(stepId, record);
    await this.emit({ kind: 'step.state', ...named, state, reason: reason && this.mask(reason) });
  }

  /** How events name an execution: its step id, and the host for one host's execution of a hosted step. */
  eventName(key: string): { stepId: string; target?: string } {
    const instance = this.instances.get(key)?.instance;
    return instance ? { stepId: instance.stepId, target: instance.target.name } : { stepId: key };
  }

  /**
   * Values templates resolve against: real secrets (for commands). For one
   * host's execution, `{{ steps.X.outputs.Y }}` reads X's outputs on that
   * host, and `target` / `wave` have values.
   */
  templateContext(key?: string, wave?: number): TemplateContext {
    const instance = key === undefined ? undefined : this.instances.get(key)?.instance;
    return {
      vars: this.plan.vars,
      env: this.options.env,
      secrets: this.options.secrets,
      outputs: instance ? this.outputsOnHost(instance.target.name) : this.outputs,
      runId: this.options.runId,
      environment: this.plan.environment ?? '',
      ...(instance ? { target: { name: instance.target.name, host: instance.target.host } } : {}),
      ...((instance?.rollout?.wave ?? wave) !== undefined ? { wave: instance?.rollout?.wave ?? wave } : {}),
    };
  }

  /** The outputs a command on `host` sees: local steps' and that host's own, under their step ids. */
  private outputsOnHost(host: string): Record<string, Record<string, string>> {
    const view: Record<string, Record<string, string>> = Object.create(null);
    const suffix = `@${host}`;
    for (const [key, values] of Object.entries(this.outputs)) {
      if (!key.includes('@')) view[key] = values;
      else if (key.endsWith(suffix)) view[key.slice(0, -suffix.length)] = values;
    }
    return view;
  }

  /** Render a command for execution; an output the step never wrote becomes empty text (and a warning). */
  render(text: string, warn: (message: string) => void, key?: string): string {
    return renderTemplate(text, this.templateContext(key), (part) => {
      warn(`${part.text} has no value (the step did not write it); using an empty string`);
      return '';
    });
  }

  /** Render for display and storage: secrets as `***`. */
  display(text: string, key?: string, wave?: number): string {
    return this.mask(
      renderTemplate(text, { ...this.templateContext(key, wave), secrets: maskedNames(this.options.secrets) }, (part) => `<${part.expression}>`),
    );
  }

  /** Record that the run now waits for the operator (status shows it; the bridge is told). */
  async asked(subject: DecisionSubject, subjectId: string | undefined, question: string): Promise<void> {
    await this.emit({ kind: 'question.asked', subject, subjectId, question: this.mask(question), to: this.options.operator });
  }

  /** Mask every value of a record (for events that carry variables). */
  maskRecord(values: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, this.mask(v)]));
  }

  /** Replace every secret value in text with `***`. */
  mask(text: string): string {
    return this.masker.mask(text);
  }

  /** Environment for a command: vars and secrets under their own names, plus GOLIVE_*. */
  commandEnv(stepId: string, extra: Record<string, string>): Record<string, string> {
    const named = this.eventName(stepId);
    return {
      ...this.plan.vars,
      ...this.options.secrets,
      ...extra,
      GOLIVE_RUN_ID: this.options.runId,
      GOLIVE_STEP_ID: named.stepId,
      GOLIVE_ENV: this.plan.environment ?? '',
      ...(named.target !== undefined ? { GOLIVE_TARGET: named.target } : {}),
    };
  }

  /** The log file of one execution. */
  logPath(stepId: string, phase: string, attempt: number): string {
    const suffix = `${phase === 'step' ? '' : `.${phase}`}${attempt > 1 ? `.attempt-${attempt}` : ''}`;
    return join(this.options.logDir, `${stepId}${suffix}.log`);
  }

  /** Stop launching new commands and stop the running ones. */
  stopAll(forced: boolean): void {
    for (const command of this.active) forced ? command.kill() : command.terminate();
  }
}

function maskedNames(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(secrets).map((name) => [name, '***']));
}
