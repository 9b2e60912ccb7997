/**
 * Sockets of an address that keeps connecting after it was refused are held
 * for a while, never answered, instead of closed at once: a reconnect loop
 * that waits for an answer then waits here, rather than making the relay
 * accept and close thousands of sockets a second. The relay leaves a held
 * socket's upgrade request unanswered and unread beyond it. Bounded in total
 * and per address (each held socket costs a descriptor and at most its kernel
 * receive window); past the bounds a socket is closed at once, as before.
 */
import type { Socket } from 'node:net';
import type { Clock } from './clock.ts';

export interface TarpitLimits {
  /** Refused sockets held at once, across all addresses (0 turns the tarpit off). */
  readonly tarpitConnections: number;
  /** Refused sockets held at once per client address. */
  readonly tarpitPerIp: number;
  /** How long a refused socket is held before it is closed. */
  readonly tarpitMs: number;
}

export class Tarpit {
  private readonly perIp = new Map<string, number>();
  private readonly held = new Set<Socket>();
  private total = 0;

  constructor(
    private readonly limits: TarpitLimits,
    private readonly clock: Clock,
  ) {}

  /** Whether `socket` is held (its requests get no answer). */
  holds(socket: object): boolean {
    return this.held.has(socket as Socket);
  }

  /** Holds `socket` (refused, from `ip`) until `tarpitMs` passed or it closes; false when full. */
  hold(socket: Socket, ip: string): boolean {
    const l = this.limits;
    const mine = this.perIp.get(ip) ?? 0;
    if (this.total >= l.tarpitConnections || mine >= l.tarpitPerIp) return false;
    this.total++;
    this.perIp.set(ip, mine + 1);
    socket.on('error', () => {});
    this.held.add(socket);
    const timer = this.clock.setTimeout(() => socket.destroy(), l.tarpitMs);
    socket.once('close', () => {
      this.clock.clearTimeout(timer);
      this.held.delete(socket);
      this.total--;
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n > 0) this.perIp.set(ip, n);
      else this.perIp.delete(ip);
    });
    return true;
  }

  /** Closes every held socket (the relay shuts down). */
  closeAll(): void {
    for (const s of this.held) s.destroy();
  }

  /** Sockets held now. */
  get size(): number {
    return this.total;
  }
}
