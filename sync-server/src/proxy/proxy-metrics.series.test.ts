/**
 * The proxy's /metrics series, from requests through a real proxy: requests by provider and
 * status, latency histograms, tokens and cost by provider and model, limit refusals by kind, kill
 * switch state; model labels stay bounded however many names callers invent.
 */
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../server/prometheus.ts';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness } from './harness.ts';
import { createKillSwitch } from './kill-switch.ts';
import { createProxyMetrics } from './proxy-metrics.ts';
import type { ProxyRequestEvent } from './request-event.ts';

const h = proxyHarness();
const PATH = '/v1/proxy/chat/completions';

/** The value of one series line, e.g. `name{a="b"}`. */
const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('proxy metrics', () => {
  it('counts requests, latency, tokens, cost, refusals and kill switches from real requests', async () => {
    const registry = createMetricsRegistry();
    const metrics = createProxyMetrics(registry);
    const kill = createKillSwitch();
    kill.onChange((s) => metrics.killed(s));
    const up = await h.upstream((_r, res) => replyJson(res, 200, { model: 'gpt-4o-mini', usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    const p = await h.proxy({ upstreams: { openai: up.url }, burst: 2, requestsPerMinute: 1 }, {
      estimateCost: (_m, u) => (u.inputTokens + u.outputTokens) / 1e6,
      isDisabled: (t) => kill.isOff(t),
      onRequest: (e) => metrics.observe(e),
    });
    const body = JSON.stringify({ model: 'gpt-4o-mini-2024-07-18', messages: [] });
    const auth = { authorization: 'Bearer sk-x' };
    expect((await p.post(PATH, body, auth)).status).toBe(200);
    expect((await p.post(PATH, body, auth)).status).toBe(200);
    expect((await p.post(PATH, body, auth)).status).toBe(429);
    kill.kill('admin', 'openai');
    expect((await p.post(PATH, body, auth)).status).toBe(503);
    const text = registry.render();
    expect(value(text, 'tendril_proxy_requests_total{provider="openai",status="200"}')).toBe(2);
    expect(value(text, 'tendril_proxy_requests_total{provider="openai",status="429"}')).toBe(1);
    expect(value(text, 'tendril_proxy_requests_total{provider="openai",status="503"}')).toBe(1);
    expect(value(text, 'tendril_proxy_request_seconds_count{provider="openai"}')).toBe(4);
    expect(value(text, 'tendril_proxy_first_byte_seconds_count{provider="openai"}')).toBe(2);
    // A dated model name counts under its price table name.
    expect(value(text, 'tendril_proxy_tokens_total{provider="openai",model="gpt-4o-mini",direction="input"}')).toBe(2000);
    expect(value(text, 'tendril_proxy_tokens_total{provider="openai",model="gpt-4o-mini",direction="output"}')).toBe(1000);
    expect(value(text, 'tendril_proxy_cost_usd_total{provider="openai",model="gpt-4o-mini"}')).toBeCloseTo(0.003, 9);
    expect(value(text, 'tendril_proxy_limit_refusals_total{kind="rate",scope="device"}')).toBe(1);
    expect(value(text, 'tendril_proxy_killed{provider="openai"}')).toBe(1);
    expect(value(text, 'tendril_proxy_killed{provider="anthropic"}')).toBe(0);
  });

  it('keeps the first unpriced model names as labels and folds the rest into other', () => {
    const registry = createMetricsRegistry();
    const metrics = createProxyMetrics(registry, 2);
    const event = (model: string): ProxyRequestEvent => ({
      route: PATH, provider: 'openai', status: 200, error: null, limitScope: null, workspace: null, device: null,
      model, inputTokens: 1, outputTokens: 0, estimated: false, costUsd: null, firstByteMs: 1, totalMs: 2, at: 0,
    });
    for (let i = 0; i < 100; i++) metrics.observe(event(`junk-${i}-${'x'.repeat(200)}`));
    metrics.observe(event('claude-3-5-haiku-20241022'));
    metrics.observe(event('junk-1-' + 'x'.repeat(200)));
    const models = new Set([...registry.render().matchAll(/tendril_proxy_tokens_total\{[^}]*model="([^"]*)"/g)].map((m) => m[1]));
    expect(models).toEqual(new Set([`junk-0-${'x'.repeat(57)}`, `junk-1-${'x'.repeat(57)}`, 'other', 'claude-3-5-haiku']));
    expect(value(registry.render(), 'tendril_proxy_tokens_total{provider="openai",model="other",direction="input"}')).toBe(98);
  });
});
