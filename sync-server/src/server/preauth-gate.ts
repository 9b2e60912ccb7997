/**
 * The budget of connections that have not completed their hello. Strangers
 * can open these for free, so they are capped per client address and in
 * total, and so are the bytes they may send (a hello is small): a peer that
 * sends more is dropped before ws buffers a large partial frame for it.
 * A connection leaves the gate when its hello is verified or it closes.
 */
import type { RelayLimits } from './config.ts';

export type PreAuthLimits = Pick<RelayLimits, 'maxPreAuthPerIp' | 'maxPreAuthConnections' | 'maxPreAuthBytes' | 'maxPreAuthBytesTotal'>;

/** Why a connection was refused or dropped by the gate. */
export interface GateRefusal {
  readonly reason: 'per-address' | 'connections' | 'bytes' | 'bytes-total';
  readonly detail: string;
}

export class PreAuthGate {
  private readonly held = new Map<object, { ip: string; bytes: number }>();
  private readonly perIp = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly limits: PreAuthLimits) {}

  /** Pre-auth connections open now. */
  get connections(): number {
    return this.held.size;
  }

  /** Bytes received by pre-auth connections open now. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** Admits `conn` from `ip`, or says why not. */
  admit(conn: object, ip: string): GateRefusal | undefined {
    const l = this.limits;
    if ((this.perIp.get(ip) ?? 0) >= l.maxPreAuthPerIp) {
      return { reason: 'per-address', detail: `at most ${l.maxPreAuthPerIp} connections per address before their hello` };
    }
    if (this.held.size >= l.maxPreAuthConnections) return { reason: 'connections', detail: 'the relay is busy; retry later' };
    this.held.set(conn, { ip, bytes: 0 });
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    return undefined;
  }

  holds(conn: object): boolean {
    return this.held.has(conn);
  }

  /** Bytes `conn` sent so far while held (0 once released). */
  bytesFrom(conn: object): number {
    return this.held.get(conn)?.bytes ?? 0;
  }

  /** Counts `n` bytes received by `conn`; a refusal means drop it (it is released here). */
  received(conn: object, n: number): GateRefusal | undefined {
    const entry = this.held.get(conn);
    if (!entry) return undefined;
    entry.bytes += n;
    this.bytes += n;
    const l = this.limits;
    let refusal: GateRefusal | undefined;
    if (entry.bytes > l.maxPreAuthBytes) refusal = { reason: 'bytes', detail: `at most ${l.maxPreAuthBytes} bytes before the hello` };
    else if (this.bytes > l.maxPreAuthBytesTotal) refusal = { reason: 'bytes-total', detail: 'the relay is busy; retry later' };
    if (refusal) this.release(conn);
    return refusal;
  }

  /** Takes `conn` out of the gate (hello verified, or closed); safe to call twice. */
  release(conn: object): void {
    const entry = this.held.get(conn);
    if (!entry) return;
    this.held.delete(conn);
    this.bytes -= entry.bytes;
    const n = (this.perIp.get(entry.ip) ?? 1) - 1;
    if (n > 0) this.perIp.set(entry.ip, n);
    else this.perIp.delete(entry.ip);
  }
}
