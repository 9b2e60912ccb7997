/**
 * `tendril backup create|list|restore --home DIR` against a real relay
 * process: a restore point of the workspace, a second one after one more
 * message that uploads only the chunks that changed (counted at the relay),
 * the list, a restore into a new home with the recovery kit alone and one
 * with the phrase and the relay alone (the relay finds the workspace), the
 * older point holding the older state, a wrong phrase refused with a clear message,
 * and no plaintext in the relay's data directory.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { backupBlobsOver, generateRecoveryPhrase, openBackupReader, phraseLocator, readBackupUnits, unitsToContents } from '@tendril/crdt-schema/backup';
import { parseWorkspaceId } from '@tendril/crdt-schema/ids';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { chatDoc } from '@tendril/crdt-schema/schema';
import { BlobKind } from '@tendril/crdt-schema/wire';
import { BlobClient } from '@tendril/crdt-schema/blobs';
import { openHome } from '../src/home/device-home.ts';
import { NodeWebSocket, openNodeSession } from '../src/peer/node-peer.ts';
import { cli, cliOk, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';

const CANARY = `canary-${Math.random().toString(36).slice(2)}`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('tendril backup', { timeout: 120_000 }, () => {
  const dir = tempDir('backup');
  let relay: RelayProcess;
  let ws: Workspace;
  let phraseFile: string;
  let workspace: string;

  async function addMessage(text: string): Promise<void> {
    const s = await ws.open(0);
    const { sync } = await s.openChat(ws.chat);
    chatDoc(sync.ydoc).addMessage({ author: s.home.identity.deviceId, role: 'user', content: text });
    expect(await s.syncOrQueue(10_000)).toBe('synced');
    await s.close();
  }

  async function messagesIn(home: string): Promise<string[]> {
    const crypto = await loadCrypto();
    const s = await openNodeSession(crypto, openHome(crypto, home), { clientName: 'test' });
    try {
      const { sync } = await s.openChat(ws.chat);
      return chatDoc(sync.ydoc).transcript().map((m) => m.content);
    } finally {
      await s.close();
    }
  }

  /** Backup chunks the relay holds, counted by a member device of the workspace. */
  async function chunksAtRelay(): Promise<number> {
    const s = await ws.open(0);
    try {
      s.connect();
      await s.peer.relay.whenOpen();
      return (await new BlobClient(s.peer.relay).list(BlobKind.BackupChunk)).length;
    } finally {
      await s.close();
    }
  }

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    ws = await makeWorkspace(dir.path, relay.url, 0);
    await addMessage(`first ${CANARY}`);
    await addMessage('second');
  }, 60_000);

  afterAll(async () => {
    await relay?.kill();
    dir.remove();
  });

  it('creates a restore point with a new phrase and prints the recovery kit once', async () => {
    const r = await cliOk('backup', 'create', '--home', ws.homes[0]!, '--new-phrase');
    const phraseLine = r.out.find((l) => l.startsWith('Recovery phrase: '))!;
    const phrase = phraseLine.slice('Recovery phrase: '.length);
    expect(phrase.split(' ')).toHaveLength(12);
    workspace = r.out.find((l) => l.startsWith('Workspace: '))!.slice('Workspace: '.length);
    expect(r.out).toContain(`Relay: ${relay.url}`);
    expect(r.last).toMatch(/^[0-9a-f]{64}$/);
    phraseFile = join(dir.path, 'phrase.txt');
    writeFileSync(phraseFile, `${phrase}\n`);
  });

  it('uploads only the changed chunks after one more message, counted at the relay', async () => {
    const before = await chunksAtRelay();
    await addMessage('third, after the first backup');
    const r = await cliOk('backup', 'create', '--home', ws.homes[0]!, '--phrase-file', phraseFile);
    const [, uploaded, unchanged] = /uploaded (\d+) chunk\(s\), (\d+) unchanged/.exec(r.out.join('\n'))!.map(Number);
    // The chat's chunk and the index's (its chat list records the change); the rest was already there.
    expect(uploaded).toBeGreaterThanOrEqual(1);
    expect(uploaded).toBeLessThanOrEqual(2);
    expect(unchanged).toBeGreaterThanOrEqual(2);
    expect((await chunksAtRelay()) - before).toBe(uploaded);
  });

  it('lists the restore points, newest first', async () => {
    const r = await cliOk('backup', 'list', '--home', ws.homes[0]!, '--phrase-file', phraseFile, '--json');
    const points = JSON.parse(r.last) as { id: string; createdAt: number; size: number; deviceName: string }[];
    expect(points).toHaveLength(2);
    expect(points[0]!.createdAt).toBeGreaterThan(points[1]!.createdAt);
    expect(points.every((p) => p.deviceName === 'admin' && p.size > 0)).toBe(true);
  });

  it('restores the newest and an older restore point into new homes with the kit alone', async () => {
    const kit = join(dir.path, 'kit.txt');
    writeFileSync(kit, `Tendril recovery kit\nRelay: ${relay.url}\nWorkspace: ${workspace}\nRecovery phrase: ${readFileSync(phraseFile, 'utf8').trim()}\n`);
    const newest = join(dir.path, 'restored-new');
    await cliOk('backup', 'restore', '--home', newest, '--kit', kit, '--name', 'restored');
    expect(await messagesIn(newest)).toEqual([`first ${CANARY}`, 'second', 'third, after the first backup']);

    // The older restore point holds the older state (a restore of it into this workspace then merges forward
    // with what the relay still holds, as any device does when it syncs).
    const points = JSON.parse((await cliOk('backup', 'list', '--home', ws.homes[0]!, '--phrase-file', phraseFile, '--json')).last) as { id: string }[];
    const crypto = await loadCrypto();
    const reader = await openBackupReader(crypto, { relay: relay.url, workspace: parseWorkspaceId(workspace), secret: readFileSync(phraseFile, 'utf8').trim(), WebSocket: NodeWebSocket, clientName: 'test', blobsOver: backupBlobsOver });
    try {
      const chatIn = async (id: string) => {
        const contents = unitsToContents(crypto, await readBackupUnits(crypto, reader.blobs, reader.keys, reader.points.find((p) => p.id === id)!));
        const doc = new Y.Doc();
        Y.applyUpdate(doc, contents.docs.find((d) => d.chat === ws.chat)!.state);
        return chatDoc(doc).transcript().map((m) => m.content);
      };
      expect(await chatIn(points[1]!.id)).toEqual([`first ${CANARY}`, 'second']);
      expect(await chatIn(points[0]!.id)).toEqual([`first ${CANARY}`, 'second', 'third, after the first backup']);
    } finally {
      reader.close();
    }
    // Restored into this workspace, it merges forward on its first sync; restored as a copy, it stays as it was.
    const older = join(dir.path, 'restored-old');
    await cliOk('backup', 'restore', '--home', older, '--relay', relay.url, '--workspace', workspace, '--phrase-file', phraseFile, '--point', points[1]!.id);
    expect(await messagesIn(older)).toEqual([`first ${CANARY}`, 'second', 'third, after the first backup']);
    const copy = join(dir.path, 'restored-copy');
    const r = await cliOk('backup', 'restore', '--home', copy, '--relay', relay.url, '--workspace', workspace, '--phrase-file', phraseFile, '--point', points[1]!.id, '--as-copy', '--workspace-name', 'As it was');
    expect(r.last).toMatch(/^workspace /);
    expect(r.last).not.toContain(workspace);
    expect(await messagesIn(copy)).toEqual([`first ${CANARY}`, 'second']);
    // The copy is a workspace of its own at the relay: a second device of it sees the same old state.
    const crypto2 = await loadCrypto();
    const s = await openNodeSession(crypto2, openHome(crypto2, copy), { clientName: 'test' });
    try {
      s.connect();
      expect(await s.syncOrQueue(10_000)).toBe('synced');
      expect(s.home.config.workspaceName).toBe('As it was');
    } finally {
      await s.close();
    }
  });

  it('restores with the 12-word phrase and the relay alone: the relay names the workspace to the phrase', async () => {
    const home = join(dir.path, 'restored-by-phrase');
    const r = await cliOk('backup', 'restore', '--home', home, '--relay', relay.url, '--phrase-file', phraseFile, '--name', 'by-phrase');
    expect(r.out.join('\n')).toContain('restored ');
    expect(await messagesIn(home)).toEqual([`first ${CANARY}`, 'second', 'third, after the first backup']);
    expect(openHome(await loadCrypto(), home).config.workspace).toBe(workspace);
  });

  it('finds nothing for a wrong phrase or a passphrase without the workspace id', async () => {
    const crypto = await loadCrypto();
    const wrong = join(dir.path, 'wrong-alone.txt');
    writeFileSync(wrong, generateRecoveryPhrase(crypto));
    const r = await cli('backup', 'restore', '--home', join(dir.path, 'never'), '--relay', relay.url, '--phrase-file', wrong);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain('this relay knows no workspace for this recovery phrase');
    expect(r.err.join('\n')).toContain('[E_PASSPHRASE]');
    // A passphrase backup of the same workspace enrols a reader but no locator: the passphrase needs the id.
    const pass = join(dir.path, 'passphrase.txt');
    writeFileSync(pass, 'violet-harbour stairs ninety-seven umbrellas\n');
    await cliOk('backup', 'create', '--home', ws.homes[0]!, '--phrase-file', pass);
    const alone = await cli('backup', 'restore', '--home', join(dir.path, 'never'), '--relay', relay.url, '--phrase-file', pass);
    expect(alone.code).toBe(1);
    expect(alone.err.join('\n')).toContain('a passphrase needs --workspace ID');
    const reader = await openBackupReader(crypto, { relay: relay.url, workspace: parseWorkspaceId(workspace), secret: 'violet-harbour stairs ninety-seven umbrellas', WebSocket: NodeWebSocket, clientName: 'test', blobsOver: backupBlobsOver });
    try {
      expect(reader.secretKind).toBe('passphrase');
      // A passphrase gives no locator: a fast, unsalted key from it could be guessed against every workspace.
      expect(() => phraseLocator(crypto, 'violet-harbour stairs ninety-seven umbrellas')).toThrow(/only a 12-word recovery phrase/);
    } finally {
      reader.close();
    }
  });

  it('refuses a wrong phrase with a clear message, and a mistyped one before asking the relay', async () => {
    const crypto = await loadCrypto();
    const wrong = join(dir.path, 'wrong.txt');
    writeFileSync(wrong, generateRecoveryPhrase(crypto));
    const r = await cli('backup', 'restore', '--home', join(dir.path, 'never'), '--relay', relay.url, '--workspace', workspace, '--phrase-file', wrong);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain('the recovery phrase does not open any backup of this workspace');
    expect(r.err.join('\n')).toContain('[E_PASSPHRASE]');
    const words = readFileSync(phraseFile, 'utf8').trim().split(' ');
    writeFileSync(wrong, [...words.slice(0, 5), 'zzzz', ...words.slice(6)].join(' '));
    const typo = await cli('backup', 'restore', '--home', join(dir.path, 'never'), '--relay', relay.url, '--workspace', workspace, '--phrase-file', wrong);
    expect(typo.err.join('\n')).toContain('word 6 of the recovery phrase ("zzzz") is not a recovery word');
  });

  it('leaves no plaintext in the relay data directory', async () => {
    const files = filesUnder(join(dir.path, 'relay'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f).includes(CANARY), f).toBe(false);
  });
});
