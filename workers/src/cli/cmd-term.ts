/**
 * `tendril term new|send|show`: terminal sessions from the command line.
 *   term new  --home DIR --gateway NAME [--title T] [--cwd DIR] [--agent claude|codex|gemini|shell] [--notes TEXT]
 *                                                                 prints the session id as its last line; an agent session
 *                                                                 gets AGENTS.md and CLAUDE.md in its folder (kept if there)
 *   term send --home DIR SESSION TEXT                             "\n" in TEXT is Enter
 *   term show --home DIR SESSION [--wait-for TEXT] [--timeout S]  prints the screen as text
 *   term writers --home DIR SESSION [--add DEVICE] [--remove DEVICE]  lists (after changing) who may type
 *   term upload --home DIR SESSION LOCAL [REMOTE] [--overwrite]      copies a file into the session's directory
 *   term download --home DIR SESSION REMOTE [LOCAL] [--overwrite]    copies a file out of it
 * Transfers print progress on stderr and `uploaded|downloaded PATH (N bytes)` as their last line.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { isErrorCode, TendrilError } from '@tendril/crdt-schema/errors';
import { newDocId, newSessionId, parseDeviceId, parseSessionId, type DeviceId } from '@tendril/crdt-schema/ids';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { addWriter, AGENT_KINDS, isAgentKind, MAX_FILE_BYTES, MAX_NOTES_CHARS, removeWriter, signSessionRequest, TermViewer, verifiedWriters } from '@tendril/gateway';
import { Scope } from '@tendril/crdt-schema/keyring';
import { terminalDoc } from '@tendril/crdt-schema/schema';
import { flag, parseArgs, requireFlag } from './args.ts';
import { homeDir, seconds, type CliContext } from './context.ts';
import { withSession } from './session.ts';

export async function cmdTerm(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'new': return termNew(ctx, rest);
    case 'send': return termSend(ctx, rest);
    case 'show': return termShow(ctx, rest);
    case 'writers': return termWriters(ctx, rest);
    case 'upload': return termUpload(ctx, rest);
    case 'download': return termDownload(ctx, rest);
    default: throw new TendrilError('E_BAD_INPUT', 'usage: tendril term new|send|show|writers|upload|download');
  }
}

export function findGateway(session: WorkspaceSession, name: string): DeviceId {
  const gateways = session.workspace().gateways.list();
  const found = gateways.find((g) => g.name === name) ?? gateways.find((g) => g.device === name);
  if (!found) throw new TendrilError('E_BAD_INPUT', `no gateway named ${name} (known: ${gateways.map((g) => g.name).join(', ') || 'none'})`);
  return found.device;
}

async function termNew(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'gateway', 'title', 'cwd', 'timeout', 'agent', 'notes'] });
  const timeout = seconds(args, 'timeout', 20);
  const agent = flag(args, 'agent') ?? 'shell';
  if (!isAgentKind(agent)) throw new TendrilError('E_BAD_INPUT', `--agent must be one of ${AGENT_KINDS.join(', ')}`);
  const notes = flag(args, 'notes') ?? '';
  if (notes.length > MAX_NOTES_CHARS) throw new TendrilError('E_BAD_INPUT', `--notes holds at most ${MAX_NOTES_CHARS} characters`);
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    await session.syncOrQueue(timeout);
    const gateway = findGateway(session, requireFlag(args, 'gateway'));
    const id = newSessionId();
    const doc = newDocId();
    const title = flag(args, 'title') ?? `session on ${requireFlag(args, 'gateway')}`;
    const me = session.home.identity;
    const cwd = flag(args, 'cwd') ?? '';
    const configured = { ...(agent !== 'shell' ? { agent } : {}), ...(notes ? { notes } : {}) };
    const request = signSessionRequest(crypto, { kind: 'start', session: id, doc, gateway, title, cwd, requester: me.deviceId, ...configured }, me);
    session.workspace().sessions.create({ id, docId: doc, gateway, title, requestedBy: me.deviceId, request, cwd, agent });
    if ((await session.syncOrQueue(timeout)) !== 'synced') throw new TendrilError('E_OFFLINE', 'the request did not reach the relay');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TendrilError('E_TIMEOUT', `gateway did not start the session within ${timeout / 1000} s`)), timeout);
      const check = (): void => {
        const state = session.workspace().sessions.get(id)?.state;
        if (state === 'requested') return;
        clearTimeout(timer);
        session.index.ydoc.off('update', check);
        const failure = session.workspace().sessions.get(id)?.failure;
        if (state === 'ended') {
          reject(failure
            ? new TendrilError(isErrorCode(failure.code) ? failure.code : 'E_SPAWN_FAILED', `the gateway did not start the session: ${failure.message}`)
            : new TendrilError('E_FORBIDDEN', 'the gateway refused the session (see its log)'));
        }
        else resolve();
      };
      session.index.ydoc.on('update', check);
      check();
    });
    ctx.io.out(id);
    return 0;
  });
}

async function openViewer(session: WorkspaceSession, crypto: CryptoProvider, text: string, timeout: number, ctx?: CliContext): Promise<TermViewer> {
  await session.syncOrQueue(timeout);
  const entry = session.workspace().sessions.get(parseSessionId(text));
  if (!entry) throw new TendrilError('E_BAD_INPUT', `no terminal session ${text}`);
  // A refused keystroke is said on stderr (not a writer, revoked, ...): the gateway told this device why.
  const viewer = new TermViewer(crypto, session, entry, ctx ? (n) => ctx.io.err(`${n.message} (${n.reason})`) : undefined);
  await viewer.open(timeout);
  return viewer;
}

async function termSend(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'timeout'] });
  const [sessionArg, ...words] = args.positionals;
  if (!sessionArg || words.length === 0) throw new TendrilError('E_BAD_INPUT', 'usage: tendril term send --home DIR SESSION TEXT');
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    const timeout = seconds(args, 'timeout', 15);
    const viewer = await openViewer(session, crypto, sessionArg, timeout, ctx);
    // Input leaves once the gateway said where this device's counter stands (its answer to the join).
    if (!(await viewer.whenLive(timeout))) throw new TendrilError('E_TIMEOUT', `the gateway of session ${sessionArg} did not answer (is it running?)`);
    viewer.send(words.join(' ').replace(/\\n/g, '\r'));
    ctx.io.out('sent');
    return 0;
  });
}

async function termShow(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'wait-for', 'timeout'] });
  const [sessionArg] = args.positionals;
  if (!sessionArg) throw new TendrilError('E_BAD_INPUT', 'usage: tendril term show --home DIR SESSION');
  const timeout = seconds(args, 'timeout', 15);
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    const viewer = await openViewer(session, crypto, sessionArg, timeout, ctx);
    const waitFor = flag(args, 'wait-for');
    let screen: string;
    if (waitFor !== undefined) {
      try {
        screen = await viewer.waitFor(waitFor, timeout);
      } catch (e) {
        throw new TendrilError('E_TIMEOUT', (e as Error).message);
      }
    } else {
      await new Promise((r) => setTimeout(r, 300));
      screen = await viewer.screenText();
    }
    for (const line of screen.replace(/\n+$/, '').split('\n')) ctx.io.out(line);
    return 0;
  });
}

/** Lists the session's writers (the owner first); --add / --remove change the list first (owner or admin only). */
async function termWriters(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'add', 'remove', 'timeout'] });
  const [raw] = args.positionals;
  if (!raw) throw new TendrilError('E_BAD_INPUT', 'usage: tendril term writers --home DIR SESSION [--add DEVICE] [--remove DEVICE]');
  const id = parseSessionId(raw);
  const timeout = seconds(args, 'timeout', 20);
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    await session.syncOrQueue(timeout);
    const entry = session.workspace().sessions.get(id);
    if (!entry) throw new TendrilError('E_UNKNOWN_SESSION', `no terminal session ${id} in this workspace`);
    const sync = await session.peer.openDoc({ doc: entry.docId, scope: Scope.Terminals });
    await session.syncOrQueue(timeout);
    const add = flag(args, 'add');
    const remove = flag(args, 'remove');
    if (add) await addWriter(crypto, session, id, parseDeviceId(add));
    if (remove) await removeWriter(crypto, session, id, parseDeviceId(remove));
    if ((add || remove) && (await session.syncOrQueue(timeout)) !== 'synced') ctx.io.err(`queued: ${session.peer.unacked} change(s) not yet saved to relay`);
    const names = new Map(session.workspace().members.list().map((m) => [m.device, m.name]));
    for (const device of verifiedWriters(crypto, session.members, terminalDoc(sync.ydoc), id)) ctx.io.out(`${device} ${names.get(device) ?? ''}`.trimEnd());
    return 0;
  });
}

/** Progress on stderr: a line per tenth of the file. */
function progressPrinter(ctx: CliContext, verb: string): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth === shown) return;
    shown = tenth;
    ctx.io.err(`${verb} ${done}/${total} bytes`);
  };
}

/** Ctrl-C (the CLI's stop signal) cancels a transfer; the gateway removes a partial upload. */
function cancelOnStop(ctx: CliContext): AbortSignal {
  const controller = new AbortController();
  void ctx.stopSignal.then(() => controller.abort());
  return controller.signal;
}

async function termUpload(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'timeout'], switches: ['overwrite'] });
  const [sessionArg, local, remote] = args.positionals;
  if (!sessionArg || !local) throw new TendrilError('E_BAD_INPUT', 'usage: tendril term upload --home DIR SESSION LOCAL [REMOTE] [--overwrite]');
  const path = resolve(ctx.cwd, local);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new TendrilError('E_BAD_INPUT', `no file ${local}`);
  if (info.size > MAX_FILE_BYTES) throw new TendrilError('E_FILE_TOO_LARGE', `${local} is ${info.size} bytes; the limit is ${MAX_FILE_BYTES}`);
  const bytes = new Uint8Array(await readFile(path));
  const target = remote ?? basename(path);
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    const viewer = await openViewer(session, crypto, sessionArg, seconds(args, 'timeout', 15));
    const n = await viewer.files.upload(target, bytes, { overwrite: args.flags.has('overwrite'), onProgress: progressPrinter(ctx, 'uploaded'), signal: cancelOnStop(ctx) });
    ctx.io.out(`uploaded ${target} (${n} bytes)`);
    return 0;
  });
}

async function termDownload(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'timeout'], switches: ['overwrite'] });
  const [sessionArg, remote, local] = args.positionals;
  if (!sessionArg || !remote) throw new TendrilError('E_BAD_INPUT', 'usage: tendril term download --home DIR SESSION REMOTE [LOCAL] [--overwrite]');
  const path = resolve(ctx.cwd, local ?? basename(remote));
  if (!args.flags.has('overwrite') && (await stat(path).catch(() => null))) throw new TendrilError('E_FILE_EXISTS', `${path} exists (pass --overwrite)`);
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    const viewer = await openViewer(session, crypto, sessionArg, seconds(args, 'timeout', 15));
    const bytes = await viewer.files.download(remote, { onProgress: progressPrinter(ctx, 'downloaded'), signal: cancelOnStop(ctx) });
    await writeFile(path, bytes, { flag: args.flags.has('overwrite') ? 'w' : 'wx' });
    ctx.io.out(`downloaded ${path} (${bytes.length} bytes)`);
    return 0;
  });
}
