/**
 * `tendril invite --home DIR [--role device|viewer|gateway|worker] [--expires 10m]`:
 * creates a one-time, expiring invite and prints its link as the last line.
 *
 * With `--confirm` the keys are released only once this device confirms the
 * joining device: it prints the link, waits for the request, prints the
 * pairing code and asks on stdin whether the new device shows it (or compares
 * with `--yes-code CODE`, for scripts). The last line is then
 * `confirmed <device id>`; a "no" or another code rejects the device
 * (`E_PAIRING_REJECTED`) and nothing is released.
 */
import type { InviteRole } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { awaitPairingRequest, enrollConfirmedDevice, inviteDevice } from '@tendril/crdt-schema/workspace';
import { flag, parseArgs, parseDuration } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';

const digits = (code: string): string => code.replace(/\s/g, '');

export async function cmdInvite(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'role', 'expires', 'yes-code'], switches: ['confirm'] });
  const role = (flag(args, 'role') ?? 'device') as InviteRole;
  const ttlMs = parseDuration(flag(args, 'expires') ?? '10m');
  const yesCode = flag(args, 'yes-code');
  const confirm = args.flags.has('confirm') || yesCode !== undefined;
  if (confirm && yesCode === undefined && !ctx.io.ask) throw new TendrilError('E_BAD_INPUT', '--confirm needs a terminal to answer on, or --yes-code CODE');
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    const invite = await inviteDevice(crypto, session, { role, ttlMs, now: ctx.now(), confirm });
    ctx.io.out(`invite for a ${role}, valid until ${new Date(invite.token.expiresAt).toISOString()}, usable once${confirm ? ', released once confirmed here' : ''}`);
    ctx.io.out(invite.link.expose());
    if (!confirm) return 0;

    const stop = new AbortController();
    void ctx.stopSignal.then(() => stop.abort());
    ctx.io.err('waiting for the new device to ask to join…');
    const pending = await awaitPairingRequest(crypto, session.peer.relay, invite, { now: ctx.now, signal: stop.signal });
    ctx.io.out(`pairing code ${pending.code} from device ${pending.device}`);
    const answer = yesCode ?? (await ctx.io.ask!(`Does the new device show ${pending.code.slice(0, 3)} ${pending.code.slice(3)}? [y/N] `)) ?? '';
    const yes = yesCode === undefined ? /^y(es)?$/i.test(answer.trim()) || digits(answer) === pending.code : digits(yesCode) === pending.code;
    if (!yes) {
      await pending.reject();
      throw new TendrilError('E_PAIRING_REJECTED', `rejected device ${pending.device}: ${yesCode === undefined ? 'not confirmed' : 'the code does not match'}; nothing was released`);
    }
    await pending.confirm();
    // A read-only device cannot add itself to the member list: this admin does, from its signed request.
    if (enrollConfirmedDevice(crypto, session, { device: pending.device, boxPublicKey: pending.boxPublicKey, role: invite.token.role, name: pending.name || `${invite.token.role} ${pending.device.slice(0, 6)}` })) {
      if ((await session.syncOrQueue(10_000)) !== 'synced') ctx.io.err(`queued: the new ${invite.token.role} is listed here but not yet on the relay`);
    }
    ctx.io.out(`confirmed ${pending.device}`);
    return 0;
  });
}
