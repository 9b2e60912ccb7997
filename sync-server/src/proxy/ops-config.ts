/**
 * The operator's settings around the proxy, as opposed to how it forwards
 * (config.ts): the kill file re-read on SIGHUP, the operator key that signs
 * admin requests, and the daily cost alert. Each is a relay flag
 * `--proxy-<flag>` and a variable `TENDRIL_PROXY_<ENV>` (a flag wins). Pure:
 * the relay's program passes the environment in.
 */
import { isIP } from 'node:net';

export interface ProxyOpsConfig {
  /** Kill file path (kill-file.ts); re-read on SIGHUP. */
  readonly killFile?: string;
  /** Operator Ed25519 public key (32 bytes); without it the admin routes do not exist. */
  readonly operatorKey?: Uint8Array;
  /** Daily estimated cost (USD) past which the webhook gets one message a day. */
  readonly costAlertUsd?: number;
  readonly alertWebhook?: string;
}

export const PROXY_OPS_SETTINGS: readonly { readonly field: keyof ProxyOpsConfig; readonly env: string; readonly flag: string }[] = [
  { field: 'killFile', env: 'KILL_FILE', flag: 'kill-file' },
  { field: 'operatorKey', env: 'OPERATOR_KEY', flag: 'operator-key' },
  { field: 'costAlertUsd', env: 'COST_ALERT_USD', flag: 'cost-alert-usd' },
  { field: 'alertWebhook', env: 'ALERT_WEBHOOK', flag: 'alert-webhook' },
];

/** A raw Ed25519 public key from standard or URL-safe base64; throws unless it is exactly 32 bytes. */
export function parseOperatorKey(name: string, text: string): Uint8Array {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) throw new RangeError(`${name}: not a base64 Ed25519 public key (32 bytes, as \`tendril relay-admin keygen\` prints)`);
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== 32) throw new RangeError(`${name}: the key is ${bytes.length} bytes, not 32`);
  return new Uint8Array(bytes);
}

function webhook(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new RangeError(`${name}: not a URL: ${text}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RangeError(`${name}: use an http(s) URL`);
  // Plain http only to this machine: the message would cross the network in the clear otherwise.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:' && host !== 'localhost' && !(isIP(host) && /^(127\.|::1$)/.test(host))) throw new RangeError(`${name}: use https (http only to localhost)`);
  return url.toString();
}

export function proxyOpsFromEnv(env: Readonly<Record<string, string | undefined>>, flags: Readonly<Record<string, string>> = {}): ProxyOpsConfig {
  const pick = (s: (typeof PROXY_OPS_SETTINGS)[number]): { name: string; text: string } | undefined => {
    if (s.flag in flags) return { name: `--proxy-${s.flag}`, text: flags[s.flag]! };
    const v = env[`TENDRIL_PROXY_${s.env}`];
    return v === undefined || v.trim() === '' ? undefined : { name: `TENDRIL_PROXY_${s.env}`, text: v };
  };
  const [kill, key, cost, hook] = PROXY_OPS_SETTINGS.map(pick);
  const out: { -readonly [K in keyof ProxyOpsConfig]: ProxyOpsConfig[K] } = {};
  if (kill) out.killFile = kill.text;
  if (key) out.operatorKey = parseOperatorKey(key.name, key.text);
  if (cost) {
    const n = Number(cost.text);
    if (cost.text.trim() === '' || !Number.isFinite(n) || n < 0) throw new RangeError(`${cost.name}: not a non-negative number of USD: ${cost.text}`);
    out.costAlertUsd = n;
  }
  if (hook) out.alertWebhook = webhook(hook.name, hook.text);
  if ((out.costAlertUsd === undefined) !== (out.alertWebhook === undefined)) throw new RangeError('--proxy-cost-alert-usd and --proxy-alert-webhook go together: set both or neither');
  return out;
}
