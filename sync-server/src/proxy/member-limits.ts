/**
 * The proxy's limits on a member device: its own and its workspace's request
 * rate, daily tokens and requests in flight. A request is admitted only when
 * both the device and the workspace have room, and then counts against both,
 * so no header a caller sets and no number of devices gets past them.
 */
import type { LlmProxyConfig } from './config.ts';
import { createUserLimits, type Admission } from './limits.ts';
import type { Caller } from './caller.ts';

export type MemberAdmission =
  | { readonly ok: true; readonly release: () => void }
  | { readonly ok: false; readonly code: 'E_PROXY_RATE_LIMITED' | 'E_QUOTA' | 'E_PROXY_CONCURRENCY'; readonly retryAfterMs: number; readonly scope: 'device' | 'workspace' };

export interface MemberLimits {
  admit(caller: Caller, now: number): MemberAdmission;
  /** Counts tokens used by an answered request, for the device and its workspace. */
  record(caller: Caller, tokens: number, now: number): void;
}

/** Retry-After for a request refused because too many are in flight: no end time is known. */
const BUSY_RETRY_MS = 1_000;

export function createMemberLimits(c: LlmProxyConfig): MemberLimits {
  const devices = createUserLimits(c);
  const workspaces = createUserLimits({ requestsPerMinute: c.workspaceRequestsPerMinute, burst: c.workspaceBurst, dailyTokenQuota: c.workspaceDailyTokenQuota });
  const inFlight = new Map<string, number>();
  const deviceKey = (k: Caller): string => `${k.workspace}/${k.device}`;
  const count = (key: string): number => inFlight.get(key) ?? 0;
  const add = (key: string, n: number): void => {
    const v = count(key) + n;
    if (v <= 0) inFlight.delete(key);
    else inFlight.set(key, v);
  };
  const refused = (a: Admission, scope: 'device' | 'workspace'): MemberAdmission | undefined => (a.ok ? undefined : { ...a, scope });

  return {
    admit(caller, now) {
      const d = deviceKey(caller);
      const w = caller.workspace;
      if (count(d) >= c.maxConcurrent) return { ok: false, code: 'E_PROXY_CONCURRENCY', retryAfterMs: BUSY_RETRY_MS, scope: 'device' };
      if (count(w) >= c.workspaceMaxConcurrent) return { ok: false, code: 'E_PROXY_CONCURRENCY', retryAfterMs: BUSY_RETRY_MS, scope: 'workspace' };
      const no = refused(devices.check(d, now), 'device') ?? refused(workspaces.check(w, now), 'workspace');
      if (no) return no;
      devices.take(d, now);
      workspaces.take(w, now);
      add(d, 1);
      add(w, 1);
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          add(d, -1);
          add(w, -1);
        },
      };
    },
    record(caller, tokens, now) {
      devices.record(deviceKey(caller), tokens, now);
      workspaces.record(caller.workspace, tokens, now);
    },
  };
}
