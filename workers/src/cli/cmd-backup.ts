/**
 * `tendril backup create|list|restore --home DIR`: the workspace's
 * encrypted backups on the relay (crdt-schema backup/), from the command
 * line. The recovery phrase (or chosen passphrase) is read from a file
 * (--phrase-file, `-` for standard input), never from the command line
 * where `ps` shows it; `create --new-phrase` makes a phrase, prints it once
 * with the recovery kit and enrols its reader (and, for a 12-word phrase, its
 * locator, so a restore needs only the phrase and the relay) at the relay.
 *
 *   create  --home DIR [--phrase-file F | --new-phrase]   writes a restore point (only changed chunks go up), then applies the retention policy
 *   list    --home DIR --phrase-file F [--json]            restore points, newest first: id, time, size, device
 *   restore --home DIR (--kit F | --relay URL [--workspace ID]) [--phrase-file F] [--point ID] [--name NAME] [--as-copy [--workspace-name N]]
 *           restores a restore point (default: the newest) into a new home DIR with the recovery kit alone, or with a
 *           12-word phrase and the relay alone (the relay finds its workspace); it then
 *           syncs, so what the relay still holds merges forward; --as-copy makes a new workspace of the point as it was
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  applyRetention, backupBlobsOver, backupSecretText, collectContents, contentsToUnits, deriveBackupKeys, formatRecoveryKit, generateRecoveryPhrase, listRestorePoints,
  openBackupReader, parseRecoveryKit, phraseLocator, looksLikeRecoveryPhrase, readBackupUnits, requireRestorePoints, restoreAsCopy, restoreContents, unitsToContents, writeBackup, type RestoreHomes, type RestorePoint,
} from '@tendril/crdt-schema/backup';
import { loadCrypto, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parseWorkspaceId } from '@tendril/crdt-schema/ids';
import { DEFAULT_BACKUP_POLICY } from '@tendril/crdt-schema/schema';
import { enrolAtRelay, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { createHome } from '../home/device-home.ts';
import { NodeWebSocket, openNodeSession } from '../peer/node-peer.ts';
import { flag, parseArgs, type ParsedArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { stdinText } from './read-input.ts';
import { withSession } from './session.ts';

export const BACKUP_USAGE = 'backup create --home DIR [--phrase-file F | --new-phrase] | list --home DIR --phrase-file F [--json] | restore --home DIR (--kit F | --relay URL [--workspace ID]) [--phrase-file F] [--point ID] [--name NAME] [--as-copy [--workspace-name N]]';
const SYNC_MS = 10_000;
const CLIENT = 'tendril-cli';

async function readSecret(ctx: CliContext, args: ParsedArgs, fallback?: string): Promise<string> {
  const file = flag(args, 'phrase-file');
  if (file === undefined) {
    if (fallback) return fallback;
    throw new TendrilError('E_BAD_INPUT', '--phrase-file FILE (or - for standard input) with the recovery phrase is required');
  }
  const text = file === '-' ? await stdinText(ctx.io, 'the recovery phrase') : readFileSync(file, 'utf8');
  const trimmed = text.trim();
  if (trimmed === '') throw new TendrilError('E_BAD_INPUT', 'the recovery phrase file is empty');
  return backupSecretText(trimmed);
}

function describe(p: RestorePoint): string {
  const m = p.manifest;
  return `${p.id}  ${new Date(m.createdAt).toISOString()}  ${m.size} bytes  ${m.deviceName}`;
}

export async function cmdBackup(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create': return create(ctx, rest);
    case 'list': return list(ctx, rest);
    case 'restore': return restore(ctx, rest);
    default: throw new TendrilError('E_BAD_INPUT', `usage: tendril ${BACKUP_USAGE}`);
  }
}

async function keysFor(crypto: CryptoProvider, session: WorkspaceSession, secret: string) {
  return deriveBackupKeys(crypto, secret, session.home.config.workspace);
}

async function create(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'phrase-file'], switches: ['new-phrase'] });
  const fresh = args.flags.has('new-phrase');
  if (fresh && flag(args, 'phrase-file') !== undefined) throw new TendrilError('E_BAD_INPUT', '--new-phrase and --phrase-file do not go together');
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    const phrase = fresh ? generateRecoveryPhrase(crypto) : await readSecret(ctx, args);
    if ((await session.syncOrQueue(SYNC_MS)) !== 'synced') throw new TendrilError('E_OFFLINE', 'the relay is not reachable: a backup goes to the relay');
    const keys = await keysFor(crypto, session, phrase);
    const config = session.home.config;
    // Enrolling the phrase's reader (again) is what lets a fresh device find these backups with the phrase alone.
    if (config.role === 'admin') {
      await enrolAtRelay(crypto, session, keys.reader.signPublicKey);
      // A 12-word phrase's locator too: the relay then names this workspace to the phrase alone (Locate).
      if (looksLikeRecoveryPhrase(phrase)) await enrolAtRelay(crypto, session, phraseLocator(crypto, phrase).signPublicKey);
    }
    else if (fresh) throw new TendrilError('E_INVITE_SCOPE', 'only an admin device can set up a recovery phrase');
    const blobs = backupBlobsOver(session.peer.relay);
    const contents = await collectContents(session, ctx.now());
    const written = await writeBackup(crypto, blobs, keys, { workspace: config.workspace, device: session.home.identity.deviceId, deviceName: config.deviceName, now: ctx.now(), units: contentsToUnits(contents) });
    const policy = session.home.keys.has('settings') ? (await session.openSettings()).settings.backupPolicy() : DEFAULT_BACKUP_POLICY;
    const pruned = await applyRetention(blobs, await listRestorePoints(crypto, blobs, keys, config.workspace), policy, ctx.now());
    if (fresh) {
      ctx.io.out('Write this down and keep it safe: it is the only way to restore these backups.');
      for (const line of formatRecoveryKit({ relay: config.relay, workspace: config.workspace, phrase }).trimEnd().split('\n')) ctx.io.out(line);
    }
    ctx.io.out(`uploaded ${written.uploaded} chunk(s), ${written.reused} unchanged; ${written.manifest.size} bytes backed up`);
    if (pruned.manifestsDeleted > 0) ctx.io.out(`retention: removed ${pruned.manifestsDeleted} old restore point(s) and ${pruned.chunksDeleted} chunk(s)`);
    ctx.io.out(written.manifestId);
    return 0;
  });
}

async function list(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'phrase-file'], switches: ['json'] });
  const secret = await readSecret(ctx, args);
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    session.connect();
    await session.peer.relay.whenOpen(SYNC_MS);
    const keys = await keysFor(crypto, session, secret);
    const points = await requireRestorePoints(crypto, backupBlobsOver(session.peer.relay), keys, session.home.config.workspace);
    if (args.flags.has('json')) {
      ctx.io.out(JSON.stringify(points.map((p) => ({ id: p.id, createdAt: p.manifest.createdAt, size: p.manifest.size, device: p.manifest.device, deviceName: p.manifest.deviceName }))));
    } else for (const p of points) ctx.io.out(describe(p));
    return 0;
  });
}

async function restore(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'kit', 'relay', 'workspace', 'phrase-file', 'point', 'name', 'workspace-name'], switches: ['as-copy'] });
  const dir = homeDir(ctx, args);
  const kitFile = flag(args, 'kit');
  const kit = kitFile ? parseRecoveryKit(readFileSync(kitFile, 'utf8')) : null;
  const relay = flag(args, 'relay') ?? kit?.relay;
  const workspaceText = flag(args, 'workspace') ?? kit?.workspace;
  if (!relay) throw new TendrilError('E_BAD_INPUT', '--kit FILE, or --relay URL (and --workspace ID for a passphrase), say where the backups are');
  const secret = await readSecret(ctx, args, kit?.phrase ? backupSecretText(kit.phrase) : undefined);
  if (!workspaceText && !looksLikeRecoveryPhrase(secret)) throw new TendrilError('E_BAD_INPUT', 'a passphrase needs --workspace ID (from the recovery kit): only a 12-word recovery phrase finds its workspace by itself');
  const crypto = await loadCrypto();
  const reader = await openBackupReader(crypto, { relay, workspace: workspaceText ? parseWorkspaceId(workspaceText) : undefined, secret, WebSocket: NodeWebSocket, clientName: CLIENT, blobsOver: backupBlobsOver });
  let session: WorkspaceSession;
  try {
    const wanted = flag(args, 'point');
    const point = wanted ? reader.points.find((p) => p.id === wanted) : reader.points[0];
    if (!point) throw new TendrilError('E_BAD_INPUT', `no restore point ${wanted} (tendril backup list shows them)`);
    const contents = unitsToContents(crypto, await readBackupUnits(crypto, reader.blobs, reader.keys, point));
    const deviceName = flag(args, 'name') ?? hostname();
    const homes: RestoreHomes = {
      // A copy's config names the relay already; a restore keeps the original's config, pointed at this relay.
      makeHome: (init) => Promise.resolve(createHome(crypto, dir, init.identity, args.flags.has('as-copy') ? init.config : { ...init.config, relay }, init.keys)),
      openSession: (home) => openNodeSession(crypto, home, { clientName: CLIENT }),
    };
    session = args.flags.has('as-copy')
      ? await restoreAsCopy(crypto, contents, homes, { relay, deviceName, workspaceName: flag(args, 'workspace-name') ?? `${contents.secrets.config.workspaceName} (${new Date(point.manifest.createdAt).toISOString().slice(0, 10)})` })
      : await restoreContents(crypto, contents, homes, { deviceName });
    ctx.io.out(`restored ${describe(point)}`);
  } finally {
    reader.close();
  }
  try {
    const synced = await session.syncOrQueue(SYNC_MS);
    ctx.io.out(synced === 'synced' ? 'synced with the relay' : 'restored; the relay was not reachable: this device syncs on its next run');
    ctx.io.out(`device ${session.home.identity.deviceId}`);
    if (args.flags.has('as-copy')) ctx.io.out(`workspace ${session.home.config.workspace}`);
    return 0;
  } finally {
    await session.close();
  }
}
