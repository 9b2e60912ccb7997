/**
 * What this relay process does with another process's fan-out messages, and
 * the re-reads that close what lost messages leave open. Everything acted on
 * is re-read from the store where it matters: an `appended` only says how far
 * to read, a `caps` notice makes the keys be read again, a revocation closes
 * the device's connections here once the store confirms it (the store already
 * refuses its next hello). So whoever can publish on the bus can make a
 * process read, never make it act on what the store does not say (ephemeral
 * frames aside: they are sealed for the devices). A resync checks every
 * connected device against the store.
 */
import type { DeviceId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { FanoutListener, FanoutMessage } from '../fanout/types.ts';
import type { Connection } from './connection.ts';
import type { RelayContext } from './context.ts';
import { deliverEphemeral } from './ephemeral.ts';
import { endStaleSubscriptions } from './handlers/stale-subscriptions.ts';
import { endGuestsIfStored } from './handlers/guest.ts';

export interface RemoteDeps {
  readonly ctx: RelayContext;
  /** Open connections of this process. */
  connections(): Connection[];
  /** Reads followed documents' heads from the store (head-check.ts). */
  checkHeads(): Promise<void>;
}

export function fanoutListener(d: RemoteDeps): FanoutListener {
  const { ctx } = d;
  const background = (what: string, work: Promise<unknown>): void => {
    void ctx.track(work).catch((err: unknown) => ctx.logger.error(what, { error: String(err) }));
  };

  const apply = (msg: FanoutMessage): void => {
    switch (msg.kind) {
      case 'appended':
        ctx.hub.advance(msg.doc, msg.seq);
        return;
      case 'frame':
        deliverEphemeral(ctx.hub, msg.frame, undefined);
        return;
      case 'revoked':
        if (ctx.connectionsOf(msg.workspace, msg.device).length === 0) return;
        background('fanout.revoke_failed', revokeIfStored(msg.workspace, msg.device));
        return;
      case 'caps':
        background('fanout.caps_failed', endStaleSubscriptions(ctx, msg.doc));
        return;
      case 'guestEnded':
        background('fanout.guest_end_failed', endGuestsIfStored(ctx, msg.link, msg.visitor));
        return;
    }
  };

  /** Closes the device's connections here if the store records its revocation (the bus alone is not believed). */
  const revokeIfStored = async (workspace: WorkspaceId, device: DeviceId): Promise<void> => {
    if (!(await ctx.store.isRevoked(workspace, device))) {
      ctx.logger.warn('fanout.revoke_unconfirmed', { workspace, device });
      return;
    }
    const open = ctx.connectionsOf(workspace, device);
    for (const c of open) c.fail('E_REVOKED');
    ctx.logger.info('device.revoked', { workspace, device, closed: open.length, remote: true });
  };

  /** Connected devices the store now records as revoked lose their connections. */
  const recheckRevocations = async (): Promise<void> => {
    const byDevice = new Map<string, Connection[]>();
    for (const c of d.connections()) {
      if (!c.identity) continue;
      const key = `${c.identity.workspace} ${c.identity.device}`;
      byDevice.set(key, [...(byDevice.get(key) ?? []), c]);
    }
    for (const conns of byDevice.values()) {
      const { workspace, device } = conns[0]!.identity!;
      if (await ctx.store.isRevoked(workspace, device)) for (const c of conns) c.fail('E_REVOKED');
    }
  };

  return {
    message(msg) {
      ctx.metrics.fanoutReceived.inc({ kind: msg.kind });
      apply(msg);
    },
    resync() {
      ctx.metrics.fanoutResyncs.inc();
      background('fanout.resync_failed', d.checkHeads());
      background('fanout.resync_failed', recheckRevocations());
      for (const doc of ctx.hub.followed()) background('fanout.caps_failed', endStaleSubscriptions(ctx, doc));
    },
  };
}
