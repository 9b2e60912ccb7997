/**
 * The gateways and workers online, as reactive state: this app listens to
 * peer presence on the workspace index (it announces nothing itself, it says
 * hello so the peers online answer within a second) and keeps the roster
 * (workspace/peer-presence.ts). Nothing here is stored; a peer not heard from
 * for about three announce intervals leaves the list.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { PeerPresence, type PeerOnline, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { gatewayStatus, type GatewayStatus } from '../session/gateway-status.ts';

/** How often views that age presence (a late gateway, "offline since") look at the clock again. */
const TICK_MS = 2_000;

export class RosterState {
  online = $state.raw<readonly PeerOnline[]>([]);
  /** Bumped on every roster change, so views that read `heardAt` follow it. */
  version = $state(0);
  /** The clock as views that age presence see it, moved every TICK_MS. */
  now = $state(Date.now());
  private readonly presence: PeerPresence;
  private readonly stopIndex: () => void;
  private readonly ticker = setInterval(() => (this.now = Date.now()), TICK_MS);

  constructor(session: WorkspaceSession) {
    this.presence = new PeerPresence({
      crypto: session.crypto,
      channel: session.index,
      identity: session.home.identity,
      directory: session.members,
      onChange: () => this.publish(),
    });
    this.presence.start();
    // A peer revoked or given another role leaves the roster when the index says so.
    this.stopIndex = session.workspace().observe(() => this.presence.recheck());
  }

  private publish(): void {
    this.online = this.presence.online();
    this.version++;
  }

  /** How long since this app last said hello on the index (the roster is complete only once the peers answered it). */
  listeningForMs(now = Date.now()): number {
    return now - this.presence.greetedAt;
  }

  /** The last presence this app heard from the device on the index, if any. */
  heardAt(device: DeviceId): number | undefined {
    void this.version;
    return this.presence.roster.heardAt(device);
  }

  /** A gateway's connection status (gateway-status.ts); `appConnected` is this app's own relay connection. */
  gatewayStatus(device: DeviceId, appConnected: boolean): GatewayStatus {
    void this.version;
    return gatewayStatus({ peer: this.online.find((p) => p.device === device), appConnected, heardAt: this.presence.roster.heardAt(device), now: this.now });
  }

  destroy(): void {
    clearInterval(this.ticker);
    this.stopIndex();
    this.presence.stop();
  }
}
