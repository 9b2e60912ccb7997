/**
 * A minimal Prometheus text-format registry: counters and gauges with labels,
 * and histograms. Owned by one relay instance (no global registry), rendered
 * by GET /metrics.
 */

type Labels = Record<string, string>;

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels): string => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  /** The series for `labels`, resolved once: for hot paths that count per frame. */
  series(labels: Labels): { inc(by?: number): void };
}
export interface Gauge {
  set(value: number, labels?: Labels): void;
}
export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

interface Series {
  labels: Labels;
  value: number;
}

interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string): Gauge;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  render(): string;
}

export function createMetricsRegistry(): MetricsRegistry {
  const renderers: Array<() => string> = [];

  function scalar(name: string, help: string, kind: 'counter' | 'gauge') {
    const series = new Map<string, Series>();
    const at = (labels: Labels): Series => {
      const key = labelText(labels);
      let s = series.get(key);
      if (!s) series.set(key, (s = { labels, value: 0 }));
      return s;
    };
    renderers.push(() => {
      const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`];
      for (const s of series.values()) lines.push(`${name}${labelText(s.labels)} ${s.value}`);
      return lines.join('\n');
    });
    return at;
  }

  return {
    counter(name, help) {
      const at = scalar(name, help, 'counter');
      return {
        inc: (labels = {}, by = 1) => void (at(labels).value += by),
        series(labels) {
          const s = at(labels);
          return { inc: (by = 1) => void (s.value += by) };
        },
      };
    },
    gauge(name, help) {
      const at = scalar(name, help, 'gauge');
      return { set: (value, labels = {}) => void (at(labels).value = value) };
    },
    histogram(name, help, buckets) {
      const series = new Map<string, HistogramSeries>();
      renderers.push(() => {
        const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
        for (const s of series.values()) {
          buckets.forEach((le, i) => lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`));
          lines.push(`${name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
          lines.push(`${name}_sum${labelText(s.labels)} ${s.sum}`, `${name}_count${labelText(s.labels)} ${s.count}`);
        }
        return lines.join('\n');
      });
      return {
        observe(value, labels = {}) {
          const key = labelText(labels);
          let s = series.get(key);
          if (!s) series.set(key, (s = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 }));
          buckets.forEach((le, i) => {
            if (value <= le) s!.counts[i]!++;
          });
          s.sum += value;
          s.count++;
        },
      };
    },
    render: () => `${renderers.map((r) => r()).join('\n')}\n`,
  };
}
