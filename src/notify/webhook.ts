/**
 * Webhook notifications (`notify:` in the runbook): a JSON POST per notable
 * event and a status update every `every`. A deployment must never wait for
 * a chat server: `handle` only queues, deliveries run in the background (in
 * order, per target, each bounded by a timeout), and a failing webhook
 * becomes a warning, at most one a minute per target so a dead webhook does
 * not flood the journal. Node's own `fetch` and `AbortSignal` do the work.
 */
import type { EngineEvent } from '../engine/events.js';
import { createMessageBuilder, type Notification } from './messages.js';

/** Where to POST. */
export interface WebhookTarget {
  /** The real URL (it may come from a secret: never print it). */
  url: string;
  /** What messages name it by: the masked form (see `maskWebhookUrl`). */
  displayUrl: string;
  /** Post the status update this often (ms); none when undefined. */
  everyMs?: number;
}

/** What the notifier needs from its surroundings. */
export interface NotifierOptions {
  /** The current status update as text (called every `everyMs`). */
  statusText: () => string;
  /** Told each delivery problem, already throttled: "webhook <displayUrl>: <reason>". */
  onWarning: (message: string) => void;
  /** Per-request timeout; also how long `close` waits for what is queued. */
  timeoutMs?: number;
  /** Tests pass their own. */
  fetch?: typeof fetch;
  /** Sent with every notification. */
  runId?: string;
}

/** A running notifier. */
export interface Notifier {
  /** Queue the notifications an event calls for. Synchronous, never blocks, never throws. */
  handle(event: EngineEvent): void;
  /** Stop the status timer and wait (up to one timeout) for queued deliveries; then give up with a warning. Never rejects. */
  close(): Promise<void>;
}

/** Default per-request timeout. */
const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;
/** At most one warning per target in this window. */
const WARNING_INTERVAL_MS = 60_000;
/** Queued notifications per target beyond which the oldest are dropped (a dead webhook must not grow memory all day). */
const MAX_QUEUED = 100;

/**
 * The form of a webhook URL that may be printed: scheme and host, the path
 * hidden (chat webhooks carry their token in the path), credentials dropped.
 */
export function maskWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/***`;
  } catch {
    return '***';
  }
}

/** Start notifying `targets`; the status timers start now and are unref'd (they never keep golive alive). */
export function createNotifier(targets: WebhookTarget[], options: NotifierOptions): Notifier {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const messages = createMessageBuilder(options.runId);
  // Aborts in-flight requests when close gives up, so no socket outlives golive's work.
  const stop = new AbortController();
  const warn = (message: string) => {
    try {
      options.onWarning(message);
    } catch {
      /* a broken warning sink must not break the run */
    }
  };
  const deliveries = targets.map((target) => createDelivery(target, { timeoutMs, fetch: options.fetch ?? fetch, signal: stop.signal, warn }));
  const timers = targets.flatMap((target, i) => {
    if (!target.everyMs || target.everyMs <= 0) return [];
    const timer = setInterval(() => postStatus(i), target.everyMs);
    timer.unref();
    return [timer];
  });
  const stopTimers = () =>
    timers.forEach((t) => {
      clearInterval(t);
    });
  let closing: Promise<void> | undefined;

  function postStatus(index: number): void {
    try {
      deliveries[index].enqueue({ text: options.statusText(), kind: 'status', ...messages.label(), at: new Date().toISOString() });
    } catch (error) {
      deliveries[index].warn(`could not build the status update: ${reasonOf(error, timeoutMs)}`);
    }
  }

  return {
    handle(event) {
      if (closing) return;
      try {
        const notification = messages.build(event);
        if (notification)
          deliveries.forEach((d) => {
            d.enqueue(notification);
          });
        // Nothing to report on after the end; close() may come a little later.
        if (event.kind === 'run.finished') stopTimers();
      } catch (error) {
        warn(`notifications: could not build a message for ${event.kind}: ${reasonOf(error, timeoutMs)}`);
      }
    },
    close() {
      closing ??= finish();
      return closing;
    },
  };

  /** Stop the timers, wait up to one timeout for the queues, then abandon them. */
  async function finish(): Promise<void> {
    stopTimers();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      Promise.all(deliveries.map((d) => d.idle())).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!gaveUp) return;
    deliveries.forEach((d, i) => {
      const left = d.abandon();
      if (left > 0)
        warn(
          `webhook ${targets[i].displayUrl}: gave up on ${left} undelivered notification${left === 1 ? '' : 's'} at exit (no answer within ${timeoutMs} ms)`,
        );
    });
    stop.abort();
  }
}

interface DeliverySettings {
  timeoutMs: number;
  fetch: typeof fetch;
  signal: AbortSignal;
  warn: (message: string) => void;
}

/** One target's queue: sequential POSTs, throttled warnings. */
function createDelivery(target: WebhookTarget, settings: DeliverySettings) {
  const queue: Notification[] = [];
  let busy = false;
  let inFlight = false;
  let abandoned = false;
  let dropped = 0;
  let lastWarning = -Infinity;
  let suppressed = 0;
  let idleWaiters: Array<() => void> = [];

  const warn = (reason: string) => {
    if (abandoned) return;
    const now = Date.now();
    if (now - lastWarning < WARNING_INTERVAL_MS) {
      suppressed++;
      return;
    }
    const extra = [
      suppressed ? `${suppressed} more failure${suppressed === 1 ? '' : 's'} since the last warning` : '',
      dropped ? `${dropped} notification${dropped === 1 ? '' : 's'} dropped` : '',
    ].filter(Boolean);
    settings.warn(`webhook ${target.displayUrl}: ${reason}${extra.length ? ` (${extra.join('; ')})` : ''}`);
    lastWarning = now;
    suppressed = 0;
    dropped = 0;
  };

  /** The timeout signals of requests in flight (see post). */
  const liveTimeouts = new Set<AbortSignal>();

  async function post(notification: Notification): Promise<void> {
    inFlight = true;
    // Held here until the request ends: AbortSignal.any keeps its sources only weakly, and a
    // timeout signal collected by the garbage collector never fires (the request would hang).
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    liveTimeouts.add(timeout);
    try {
      const signal = AbortSignal.any([timeout, settings.signal]);
      const response = await settings.fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notification),
        signal,
      });
      // Release the connection; the body is of no interest.
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) warn(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    } catch (error) {
      warn(reasonOf(error, settings.timeoutMs));
    } finally {
      inFlight = false;
      liveTimeouts.delete(timeout);
    }
  }

  async function drain(): Promise<void> {
    busy = true;
    while (queue.length > 0 && !abandoned) await post(queue.shift()!);
    busy = false;
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((resolve) => {
      resolve();
    });
  }

  return {
    /** Throttled: at most one warning per `WARNING_INTERVAL_MS`. */
    warn,
    enqueue(notification: Notification): void {
      if (abandoned) return;
      if (queue.length >= MAX_QUEUED) {
        queue.shift();
        dropped++;
      }
      queue.push(notification);
      // Start on a microtask: even fetch's synchronous set-up must not run inside the engine's emit.
      if (!busy) {
        busy = true;
        queueMicrotask(() => void drain());
      }
    },
    idle(): Promise<void> {
      return !busy && queue.length === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    /** Drop what is queued; returns how many notifications (queued and in flight) were not delivered. */
    abandon(): number {
      const left = queue.length + (inFlight ? 1 : 0);
      abandoned = true;
      queue.length = 0;
      return left;
    },
  };
}

/**
 * A delivery failure in words, with any URL in it replaced: undici puts the
 * URL in some messages ("Failed to parse URL from …"), and the URL may be a
 * secret.
 */
function reasonOf(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'aborted at exit';
  const text = e?.cause?.message || e?.cause?.code || e?.message || String(error);
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');
}
