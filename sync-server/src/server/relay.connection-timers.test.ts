/**
 * Integration: a connection's timers go with what they wait for, so an idle
 * connection holds none. The pre-auth deadline goes with a verified hello, and
 * the timer that terminates a lingering peer goes with the close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { FrameType } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

describe('relay connection timers', () => {
  it('clears the pre-auth deadline when the hello succeeds, and the close timer when the socket closes', async () => {
    const clock = manualClock();
    const relay = await h.start({ clock });
    const base = clock.pending;
    const key = testKey();
    const c = await h.connect(relay);
    expect(clock.pending).toBe(base + 1); // the pre-auth deadline
    expect((await c.hello(key, newWorkspaceId(), { register: [key.publicKey] })).type).toBe(FrameType.Welcome);
    expect(clock.pending).toBe(base);

    // A refusal that ends the connection arms a timer for a peer that lingers; the close clears it.
    c.sendRaw('not a binary frame');
    expect(await c.nextError('E_FRAME_MALFORMED')).toMatchObject({ fatal: true });
    await c.closed;
    await waitFor(() => clock.pending === base, 'the close timer cleared');
  });

  it('still fails a connection that sends no hello before the deadline', async () => {
    const clock = manualClock();
    const relay = await h.start({ clock, limits: { authTimeoutMs: 1000 } });
    const c = await h.connect(relay);
    clock.advance(1000);
    expect(await c.nextError('E_AUTH_TIMEOUT')).toMatchObject({ fatal: true });
    await c.closed;
  });

  it('a connection that completed its hello outlives the pre-auth deadline', async () => {
    const clock = manualClock();
    const relay = await h.start({ clock, limits: { authTimeoutMs: 1000 } });
    const key = testKey();
    const c = await h.connect(relay);
    expect((await c.hello(key, newWorkspaceId(), { register: [key.publicKey] })).type).toBe(FrameType.Welcome);
    clock.advance(1000);
    // Still open and past its hello: a second hello is refused as such, without ending the connection.
    expect(await c.hello(key, newWorkspaceId())).toMatchObject({ type: FrameType.Error, code: 'E_BAD_INPUT', fatal: false });
    expect(c.received.filter((f) => f.type === FrameType.Error && f.code === 'E_AUTH_TIMEOUT')).toEqual([]);
  });
});
