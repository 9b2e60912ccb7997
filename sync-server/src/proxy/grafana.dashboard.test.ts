/**
 * docs/grafana-proxy.json is a dashboard an operator can import as is: it parses, every panel
 * queries the datasource variable, every metric it queries is one the relay exports (the relay's
 * own series and the proxy's), and every proxy series has a panel.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../server/prometheus.ts';
import { createRelayMetrics } from '../server/relay-metrics.ts';
import { createProxyMetrics, PROXY_METRIC_NAMES } from './proxy-metrics.ts';

interface Panel { title: string; type: string; datasource?: { uid?: string }; targets?: { expr: string; datasource?: { uid?: string } }[] }

const dashboard = JSON.parse(readFileSync(new URL('../../../docs/grafana-proxy.json', import.meta.url), 'utf8')) as { uid: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } };

/** Metric names as /metrics shows them, histograms with their _bucket, _sum and _count series. */
function exported(): Set<string> {
  const registry = createMetricsRegistry();
  createRelayMetrics(registry);
  createProxyMetrics(registry);
  const names = new Set<string>();
  for (const [, name, type] of registry.render().matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name! + s);
    else names.add(name!);
  }
  return names;
}

describe('Grafana dashboard for the proxy', () => {
  it('queries only metrics the relay exports, through the datasource variable, and covers every proxy series', () => {
    const names = exported();
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource')!;
    expect(variable).toBeDefined();
    const used = new Set<string>();
    expect(dashboard.panels.length).toBeGreaterThan(0);
    for (const panel of dashboard.panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.datasource?.uid, panel.title).toBe(`\${${variable.name}}`);
      for (const t of panel.targets!) {
        expect(t.datasource?.uid, panel.title).toBe(`\${${variable.name}}`);
        const metrics = [...t.expr.matchAll(/\btendril_[a-z0-9_]+/g)].map((m) => m[0]);
        expect(metrics.length, t.expr).toBeGreaterThan(0);
        for (const m of metrics) {
          expect(names.has(m), `${panel.title}: ${m} is not exported`).toBe(true);
          used.add(m.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    for (const name of Object.values(PROXY_METRIC_NAMES)) expect(used.has(name), `no panel shows ${name}`).toBe(true);
  });
});
