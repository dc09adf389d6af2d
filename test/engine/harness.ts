/**
 * Wiring for the engine tests: a fixture runbook (YAML text) becomes a plan,
 * and the plan runs against the fakes. Each test gets fresh fakes, so what
 * they recorded belongs to that test alone.
 */
import { type EngineOptions, Interruption } from '../../src/engine/context.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { ApprovalInbox } from '../../src/engine/ports.js';
import { type EngineResult, type PriorState, rollbackDeployment, runDeployment } from '../../src/engine/run.js';
import { foldRunChain } from '../../src/engine/run-state.js';
import { loadRunbookText } from '../../src/runbook/load.js';
import { type Plan, resolvePlan } from '../../src/runbook/plan.js';
import { type Answers, EventLog, type EventLogOptions, FakeClock, FakePrompter, FakeRunner, type Timeline } from './fakes.js';

/** Where fixture runbooks claim to live (commands run in its directory). */
export const RUNBOOK_FILE = '/srv/deploy/runbook.yaml';

/** Load and resolve a fixture runbook; an invalid fixture fails the test with its diagnostics. */
export function planFrom(yaml: string, options: { environment?: string; vars?: Record<string, string> } = {}): Plan {
  const loaded = loadRunbookText(RUNBOOK_FILE, yaml, { environment: options.environment, extraVars: Object.keys(options.vars ?? {}) });
  if (loaded.failed || !loaded.runbook || !loaded.source) {
    const problems = loaded.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n');
    throw new Error(`fixture runbook is invalid:\n${problems}`);
  }
  return resolvePlan(loaded.source, loaded.runbook, options);
}

/** Engine options for a test run: non-interactive defaults, nothing approved. */
export function engineOptions(overrides: Partial<EngineOptions> = {}): EngineOptions {
  return {
    runId: 'run-2',
    mode: 'run',
    operator: 'ana',
    host: 'deploy-host',
    secrets: {},
    env: {},
    approveAll: false,
    approved: new Set(),
    keepGoing: false,
    logDir: '/srv/deploy/.golive/logs/run-2',
    killGraceMs: 5000,
    ...overrides,
  };
}

/** What a test can set up. */
export interface HarnessOptions {
  environment?: string;
  vars?: Record<string, string>;
  interactive?: boolean;
  answers?: Answers;
  options?: Partial<EngineOptions>;
  sink?: Omit<EventLogOptions, 'timeline'>;
  /** Where a run waiting for approvals finds answers (none: a point that needs approval cannot pass). */
  approvals?: ApprovalInbox;
}

/** A plan with its fakes, ready to run. */
export interface Harness {
  plan: Plan;
  runner: FakeRunner;
  clock: FakeClock;
  prompter: FakePrompter;
  log: EventLog;
  interruption: Interruption;
  options: EngineOptions;
  timeline: Timeline;
  /** `runDeployment` over the fakes (with state from earlier runs, for resume). */
  run(prior?: PriorState): Promise<EngineResult>;
  /** `rollbackDeployment` over the fakes. */
  rollback(reason: string, prior?: PriorState): Promise<EngineResult>;
}

/** Fresh fakes around a fixture runbook. */
export function harness(yaml: string, setup: HarnessOptions = {}): Harness {
  const plan = planFrom(yaml, { environment: setup.environment, vars: setup.vars });
  const timeline: Timeline = [];
  const runner = new FakeRunner(timeline);
  const clock = new FakeClock();
  const prompter = new FakePrompter(setup.interactive === true, setup.answers);
  const log = new EventLog({ ...setup.sink, timeline });
  const interruption = new Interruption();
  const options = engineOptions(setup.options);
  const engineRun = (prior?: PriorState) => ({
    plan,
    options,
    ports: { runner, clock, prompter, sink: log.sink, approvals: setup.approvals },
    interruption,
    prior,
  });
  return {
    plan,
    runner,
    clock,
    prompter,
    log,
    interruption,
    options,
    timeline,
    run: (prior) => runDeployment(engineRun(prior)),
    rollback: (reason, prior) => rollbackDeployment(engineRun(prior), reason),
  };
}

/** The state a later run (resume, rollback) starts from, folded from an earlier run's events. */
export function priorFrom(events: EngineEvent[], extra: Partial<PriorState> = {}): PriorState {
  return { ...foldRunChain(events), parentRunId: 'run-1', ...extra };
}
