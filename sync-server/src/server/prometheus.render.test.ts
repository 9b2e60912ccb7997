/** The Prometheus text rendering: counters and gauges with labels, histograms with cumulative buckets. */
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './prometheus.ts';

describe('prometheus registry', () => {
  it('renders the text exposition format', () => {
    const r = createMetricsRegistry();
    const c = r.counter('x_total', 'Things.');
    c.inc({ kind: 'a"b' });
    c.inc({ kind: 'a"b' }, 2);
    r.gauge('y', 'Level.').set(5);
    const hist = r.histogram('z_seconds', 'Latency.', [0.1, 1]);
    hist.observe(0.05, { op: 'read' });
    hist.observe(0.5, { op: 'read' });
    hist.observe(5, { op: 'read' });
    expect(r.render()).toBe(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{kind="a\\"b"} 3',
        '# HELP y Level.',
        '# TYPE y gauge',
        'y 5',
        '# HELP z_seconds Latency.',
        '# TYPE z_seconds histogram',
        'z_seconds_bucket{op="read",le="0.1"} 1',
        'z_seconds_bucket{op="read",le="1"} 2',
        'z_seconds_bucket{op="read",le="+Inf"} 3',
        'z_seconds_sum{op="read"} 5.55',
        'z_seconds_count{op="read"} 3',
        '',
      ].join('\n'),
    );
  });

  it('counts through a resolved series into the same line as inc with equal labels', () => {
    const r = createMetricsRegistry();
    const c = r.counter('x_total', 'Things.');
    const a = c.series({ kind: 'a' });
    a.inc();
    a.inc(4);
    c.inc({ kind: 'a' });
    c.series({ kind: 'b' }).inc();
    expect(r.render()).toContain('x_total{kind="a"} 6\nx_total{kind="b"} 1\n');
  });
});
