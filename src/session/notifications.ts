/**
 * Webhook notifications for a session: the runbook's `notify:` targets with
 * their URLs rendered (they may come from secrets: only a masked form is ever
 * shown), the status template as the periodic message, and delivery problems
 * recorded as warnings. A slow or dead webhook never blocks the deployment.
 */
import type { EngineEvent, RunMode } from '../engine/events.js';
import { createNotifier, maskWebhookUrl, type Notifier } from '../notify/webhook.js';
import { formatStatus } from '../output/status-text.js';
import type { Plan } from '../runbook/plan.js';
import { renderTemplate } from '../runbook/templates.js';
import { statusPlanOf, statusUpdate } from '../views/status.js';

/** What the notifier needs from its session. */
export interface NotificationContext {
  plan: Plan;
  runId: string;
  mode: RunMode;
  secrets: Record<string, string>;
  /** Events of earlier runs of the chain (for a resume's status). */
  priorEvents: EngineEvent[];
  /** This run's events so far (kept by the session). */
  events: EngineEvent[];
  /** Record a delivery problem (as a warning event, or on stderr once the run has ended). */
  warn(message: string): void;
}

/** A notifier for the runbook's targets, or undefined when there are none (or nothing is executed). */
export function notifierFor(context: NotificationContext): Notifier | undefined {
  const { plan, runId, mode } = context;
  if (mode === 'dry-run' || plan.notify.length === 0) return undefined;
  const templates = { vars: plan.vars, env: process.env, secrets: context.secrets, outputs: {}, runId, environment: plan.environment ?? '' };
  const statusPlan = statusPlanOf(plan);
  return createNotifier(
    plan.notify.map((target) => {
      const url = renderTemplate(target.webhook, templates, () => '');
      return { url, displayUrl: maskWebhookUrl(url), everyMs: target.everyMs };
    }),
    {
      runId,
      statusText: () =>
        formatStatus(
          statusUpdate({
            runId,
            runbook: { name: plan.runbook.name, version: plan.runbook.version },
            environment: plan.environment,
            mode,
            ...statusPlan,
            events: context.events,
            priorEvents: context.priorEvents,
            runStatus: 'running',
            now: new Date(),
          }),
        ),
      onWarning: (message) => context.warn(message),
    },
  );
}
