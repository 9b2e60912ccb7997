/**
 * Registration limits: new workspaces per remote address within a sliding
 * window, and in total. Open registration otherwise lets one address fill the
 * relay with workspaces.
 */
import type { Clock } from './clock.ts';
import type { RelayLimits } from './config.ts';

export class RegistrationGate {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: RelayLimits,
  ) {}

  /** A reason to refuse, or undefined; `total` is how many workspaces the relay holds. */
  refuse(ip: string, total: number): string | undefined {
    if (total >= this.limits.maxWorkspaces) return `the relay holds its maximum of ${this.limits.maxWorkspaces} workspaces`;
    const since = this.clock.now() - this.limits.registrationWindowMs;
    const times = (this.recent.get(ip) ?? []).filter((t) => t > since);
    this.recent.set(ip, times);
    if (times.length >= this.limits.maxRegistrationsPerIp) {
      return `at most ${this.limits.maxRegistrationsPerIp} new workspaces per address per ${Math.round(this.limits.registrationWindowMs / 60_000)} min`;
    }
    return undefined;
  }

  /** Records a registration from `ip`. */
  note(ip: string): void {
    const times = this.recent.get(ip) ?? [];
    times.push(this.clock.now());
    this.recent.set(ip, times);
    // Addresses whose window emptied are forgotten on their next check; bound the map anyway.
    if (this.recent.size > 100_000) this.recent.delete(this.recent.keys().next().value!);
  }
}
