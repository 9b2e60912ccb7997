/**
 * The daily cost alert: the proxy's estimated cost is summed per UTC day, and
 * the first time a day's sum passes the configured amount the relay POSTs one
 * JSON message to the operator's webhook. At most one message is delivered a
 * day. A post that fails (unreachable, non-2xx, timeout) is logged and tried
 * again after `retryMs`, as long as it is still the same day; nothing here
 * throws into the proxy, so a broken webhook never takes the relay down.
 * Requests whose model has no price add nothing: the sum is a lower bound.
 */
import type { ProxyLogger } from './relay-call.ts';
import type { ProxyClock } from './upstream.ts';

export interface CostAlertMessage {
  /** Readable line (Slack-style webhooks show `text`). */
  readonly text: string;
  readonly event: 'tendril.proxy.cost_alert';
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly costUsd: number;
  readonly thresholdUsd: number;
  /** When the sum passed the threshold, ISO 8601. */
  readonly at: string;
}

export interface CostAlertDeps {
  readonly thresholdUsd: number;
  readonly webhook: string;
  readonly clock: ProxyClock;
  readonly log: ProxyLogger;
  /** Delivers one message; rejects when it was not accepted. Default: fetch POST, 2xx only, 10 s. */
  readonly post?: (url: string, message: CostAlertMessage) => Promise<void>;
  /** Wait before trying a failed post again. Default 5 minutes. */
  readonly retryMs?: number;
}

export interface CostAlert {
  /** Counts `costUsd` of a request that ended at `at`. */
  add(costUsd: number, at: number): void;
  /** Stops a pending retry. */
  close(): void;
}

const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);

export async function postJson(url: string, message: CostAlertMessage): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), redirect: 'error', signal: AbortSignal.timeout(10_000) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
}

export function createCostAlert(d: CostAlertDeps): CostAlert {
  const post = d.post ?? postJson;
  const retryMs = d.retryMs ?? 5 * 60_000;
  let day = '';
  let total = 0;
  let sent = false;
  let posting = false;
  /** A failed post waits for its retry; requests in between do not post again. */
  let retry: unknown;
  let waiting = false;
  let passedAt = 0;

  const attempt = (): void => {
    if (sent || posting || waiting || utcDay(d.clock.now()) !== day) return;
    posting = true;
    const forDay = day;
    const message: CostAlertMessage = {
      text: `Tendril relay: the LLM proxy's estimated cost today (${forDay} UTC) is $${total.toFixed(2)}, past the alert amount of $${d.thresholdUsd}.`,
      event: 'tendril.proxy.cost_alert',
      day: forDay,
      costUsd: total,
      thresholdUsd: d.thresholdUsd,
      at: new Date(passedAt).toISOString(),
    };
    post(d.webhook, message).then(
      () => {
        posting = false;
        if (forDay === day) sent = true;
        d.log.warn('proxy.cost_alert_sent', { day: forDay, costUsd: message.costUsd, thresholdUsd: d.thresholdUsd });
      },
      (err: unknown) => {
        posting = false;
        d.log.warn('proxy.cost_alert_failed', { day: forDay, message: err instanceof Error ? err.message : 'unknown', retryInMs: retryMs });
        if (forDay !== day) return;
        waiting = true;
        retry = d.clock.setTimeout(() => {
          waiting = false;
          attempt();
        }, retryMs);
      },
    );
  };

  return {
    add(costUsd, at) {
      if (!(costUsd > 0)) return;
      const today = utcDay(at);
      if (today !== day) {
        day = today;
        total = 0;
        sent = false;
        waiting = false;
        d.clock.clearTimeout(retry);
      }
      const before = total;
      total += costUsd;
      if (before <= d.thresholdUsd && total > d.thresholdUsd) passedAt = at;
      if (total > d.thresholdUsd) attempt();
    },
    close: () => d.clock.clearTimeout(retry),
  };
}
