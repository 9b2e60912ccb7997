/** The operator settings from flags and environment: each bad value is refused with its name, none is silently dropped. */
import { describe, expect, it } from 'vitest';
import { proxyOpsFromEnv } from './ops-config.ts';

const KEY = Buffer.alloc(32, 7);

describe('proxy operator settings', () => {
  it('reads each setting from its variable, a flag winning', () => {
    expect(proxyOpsFromEnv({})).toEqual({});
    const got = proxyOpsFromEnv(
      { TENDRIL_PROXY_KILL_FILE: '/etc/tendril/kill', TENDRIL_PROXY_OPERATOR_KEY: KEY.toString('base64'), TENDRIL_PROXY_COST_ALERT_USD: '25', TENDRIL_PROXY_ALERT_WEBHOOK: 'https://hooks.example.com/T1' },
      { 'kill-file': './kill', 'cost-alert-usd': '7.5' },
    );
    expect(got).toEqual({ killFile: './kill', operatorKey: new Uint8Array(KEY), costAlertUsd: 7.5, alertWebhook: 'https://hooks.example.com/T1' });
    // URL-safe base64 without padding is the same key.
    expect(proxyOpsFromEnv({}, { 'operator-key': KEY.toString('base64url') }).operatorKey).toEqual(new Uint8Array(KEY));
  });

  it('refuses a key that is not 32 bytes of base64, a bad amount, a plain-http remote webhook, and an alert half set', () => {
    expect(() => proxyOpsFromEnv({ TENDRIL_PROXY_OPERATOR_KEY: Buffer.alloc(31).toString('base64') })).toThrow(/TENDRIL_PROXY_OPERATOR_KEY: not a base64 Ed25519 public key/);
    expect(() => proxyOpsFromEnv({}, { 'operator-key': 'not a key' })).toThrow(/--proxy-operator-key/);
    const hook = { TENDRIL_PROXY_ALERT_WEBHOOK: 'https://hooks.example.com/T1' };
    expect(() => proxyOpsFromEnv({ ...hook, TENDRIL_PROXY_COST_ALERT_USD: '-1' })).toThrow(/not a non-negative number/);
    expect(() => proxyOpsFromEnv({ ...hook, TENDRIL_PROXY_COST_ALERT_USD: 'ten' })).toThrow(/not a non-negative number/);
    expect(() => proxyOpsFromEnv({ TENDRIL_PROXY_COST_ALERT_USD: '10', TENDRIL_PROXY_ALERT_WEBHOOK: 'http://hooks.example.com/T1' })).toThrow(/use https/);
    expect(proxyOpsFromEnv({ TENDRIL_PROXY_COST_ALERT_USD: '10', TENDRIL_PROXY_ALERT_WEBHOOK: 'http://127.0.0.1:9/hook' }).alertWebhook).toBe('http://127.0.0.1:9/hook');
    expect(() => proxyOpsFromEnv({ TENDRIL_PROXY_COST_ALERT_USD: '10' })).toThrow(/go together/);
    expect(() => proxyOpsFromEnv(hook)).toThrow(/go together/);
  });
});
