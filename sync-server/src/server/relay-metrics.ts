/**
 * The relay's metrics: connections, documents, frames and bytes per frame
 * type in each direction, refusals per error code, stranger problems,
 * pre-auth and catch-up memory, and store latency.
 * Gauges that depend on the store are refreshed by the /metrics route.
 */
import { FrameType } from '@tendril/crdt-schema/wire';
import type { Counter, Gauge, Histogram, MetricsRegistry } from './prometheus.ts';
import { createMetricsRegistry } from './prometheus.ts';

const TYPE_NAMES = new Map<number, string>(Object.entries(FrameType).map(([name, tag]) => [tag, name]));

/** The frame type label: its name, or "invalid" for bytes that did not decode. */
export const frameTypeLabel = (type: number | undefined): string =>
  (type === undefined ? undefined : TYPE_NAMES.get(type)) ?? 'invalid';

export interface RelayMetrics {
  readonly registry: MetricsRegistry;
  readonly connections: Gauge;
  readonly connectionsOpened: Counter;
  readonly docs: Gauge;
  readonly liveDocs: Gauge;
  readonly entries: Gauge;
  readonly workspaces: Gauge;
  readonly heapUsed: Gauge;
  readonly preAuthConnections: Gauge;
  readonly preAuthBytes: Gauge;
  readonly bufferedBytes: Gauge;
  readonly catchUpBytes: Gauge;
  readonly catchUpsWaiting: Gauge;
  /** Bytes of unfinished stored-blob uploads held in memory (blob-uploads.ts). */
  readonly blobUploadBytes: Gauge;
  readonly problems: Counter;
  readonly storeSeconds: Histogram;
  /** Fan-out messages sent to other relay processes, by kind. */
  readonly fanoutPublished: Counter;
  /** Fan-out messages received from other relay processes, by kind. */
  readonly fanoutReceived: Counter;
  /** Times the fan-out bus came back after losing messages (the relay re-read the store). */
  readonly fanoutResyncs: Counter;
  /** Entries the hub read from the store because another process (or a lost reply) appended them. */
  readonly fanoutEntriesRead: Counter;
  /** Periodic head checks, and documents they found behind the store (a lost notice). */
  readonly headChecks: Counter;
  readonly headCheckGaps: Counter;
  frameIn(type: number | undefined, bytes: number): void;
  frameOut(type: number, bytes: number): void;
  rejected(code: string): void;
}

type FrameSeries = { readonly frames: { inc(by?: number): void }; readonly bytes: { inc(by?: number): void } };

/**
 * The frame and byte series of each frame type, created on first use and then found by the type's
 * tag: counting a frame builds no label object or key (it did for every frame, ~6% of the relay's
 * CPU per delivery in the fan-out benchmark).
 */
function perType(frames: Counter, bytes: Counter): (type: number | undefined) => FrameSeries {
  const byTag: Array<FrameSeries | undefined> = [];
  let invalid: FrameSeries | undefined;
  const make = (type: number | undefined): FrameSeries => {
    const labels = { type: frameTypeLabel(type) };
    return { frames: frames.series(labels), bytes: bytes.series(labels) };
  };
  return (type) => {
    if (type === undefined || !TYPE_NAMES.has(type)) return (invalid ??= make(undefined));
    return (byTag[type] ??= make(type));
  };
}

/** The relay's series, in `r` (default a new registry) next to any other series registered there. */
export function createRelayMetrics(r: MetricsRegistry = createMetricsRegistry()): RelayMetrics {
  const framesIn = r.counter('tendril_relay_frames_in_total', 'Frames received, by frame type.');
  const bytesIn = r.counter('tendril_relay_bytes_in_total', 'Bytes received, by frame type.');
  const framesOut = r.counter('tendril_relay_frames_out_total', 'Frames sent, by frame type.');
  const bytesOut = r.counter('tendril_relay_bytes_out_total', 'Bytes sent, by frame type.');
  const rejected = r.counter('tendril_relay_rejected_frames_total', 'Error frames sent, by error code.');
  const seriesIn = perType(framesIn, bytesIn);
  const seriesOut = perType(framesOut, bytesOut);
  return {
    registry: r,
    connections: r.gauge('tendril_relay_connections', 'Open WebSocket connections.'),
    connectionsOpened: r.counter('tendril_relay_connections_opened_total', 'WebSocket connections accepted.'),
    docs: r.gauge('tendril_relay_docs', 'Registered documents.'),
    liveDocs: r.gauge('tendril_relay_live_docs', 'Documents with at least one live subscriber.'),
    entries: r.gauge('tendril_relay_entries', 'Stored log entries (not yet pruned).'),
    workspaces: r.gauge('tendril_relay_workspaces', 'Registered workspaces.'),
    heapUsed: r.gauge('tendril_relay_heap_used_bytes', 'V8 heap in use.'),
    preAuthConnections: r.gauge('tendril_relay_preauth_connections', 'Connections that have not completed their hello.'),
    preAuthBytes: r.gauge('tendril_relay_preauth_bytes', 'Bytes received by connections that have not completed their hello.'),
    bufferedBytes: r.gauge('tendril_relay_buffered_bytes', 'Bytes queued to peers and not yet written to their sockets.'),
    catchUpBytes: r.gauge('tendril_relay_catchup_bytes', 'Envelope bytes of catch-up pages read from the store and not yet sent.'),
    blobUploadBytes: r.gauge('tendril_relay_blob_upload_bytes', 'Bytes of unfinished blob uploads held in memory (at most --max-pending-blob-bytes).'),
    catchUpsWaiting: r.gauge('tendril_relay_catchups_waiting', 'Catch-ups paused until their peer reads (backpressure).'),
    problems: r.counter('tendril_relay_problems_total', 'Stranger problems counted instead of logged, by event.'),
    storeSeconds: r.histogram('tendril_relay_store_seconds', 'Store operation latency, by operation.', [
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
    ]),
    fanoutPublished: r.counter('tendril_relay_fanout_published_total', 'Fan-out messages sent to other relay processes, by kind.'),
    fanoutReceived: r.counter('tendril_relay_fanout_received_total', 'Fan-out messages received from other relay processes, by kind.'),
    fanoutResyncs: r.counter('tendril_relay_fanout_resyncs_total', 'Fan-out bus reconnections after which the relay re-read heads, revocations and capability keys.'),
    fanoutEntriesRead: r.counter('tendril_relay_fanout_entries_read_total', 'Entries read from the store for live subscribers because another process (or an unanswered append) stored them.'),
    headChecks: r.counter('tendril_relay_head_checks_total', 'Periodic checks of followed documents\' heads in the store.'),
    headCheckGaps: r.counter('tendril_relay_head_check_gaps_total', 'Documents a head check found ahead of what this process had delivered (a lost fan-out notice).'),
    frameIn(type, bytes) {
      const s = seriesIn(type);
      s.frames.inc();
      s.bytes.inc(bytes);
    },
    frameOut(type, bytes) {
      const s = seriesOut(type);
      s.frames.inc();
      s.bytes.inc(bytes);
    },
    rejected: (code) => rejected.inc({ reason: code }),
  };
}
