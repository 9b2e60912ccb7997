/**
 * The relay is blind by construction: the lint rule forbids sync-server/ to
 * import Yjs, libsodium, or any open/decrypt function of the shared core.
 * This test proves the rule fires on such imports and that the relay's code
 * passes it.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from './harness.ts';

const RULE = 'no-restricted-imports';

async function lint(text: string, path: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(text, { filePath: `${ROOT}/${path}` });
  return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('relay blindness lint boundary', () => {
  it.each([
    ["import * as Y from 'yjs';", 'yjs'],
    ["import sodium from 'libsodium-wrappers-sumo';", 'libsodium'],
    ["import { openEnvelope } from '@tendril/crdt-schema/envelope';", 'envelope module'],
    ["import { decodeSnapshotPayload } from '@tendril/crdt-schema';", 'shared core root'],
    ["import { openEnvelope } from '../../crdt-schema/src/envelope/open.ts';", 'relative path into the core'],
    ["import { openLockbox } from '@tendril/crdt-schema/crypto';", 'crypto module'],
  ])('refuses %s (%s)', async (code) => {
    expect(await lint(`${code}\nexport const x = 1;\n`, 'sync-server/src/probe.ts')).not.toEqual([]);
  });

  it('allows the wire, ids, errors and header modules', async () => {
    const ok = "import { decodeFrame } from '@tendril/crdt-schema/wire';\nimport { parseEnvelope } from '@tendril/crdt-schema/header';\nimport { TendrilError } from '@tendril/crdt-schema/errors';\nexport const x = [decodeFrame, parseEnvelope, TendrilError];\n";
    expect(await lint(ok, 'sync-server/src/probe.ts')).toEqual([]);
  });

  it('does not apply outside the relay', async () => {
    expect(await lint("import * as Y from 'yjs';\nexport const x = Y;\n", 'workers/src/probe.ts')).toEqual([]);
  });

  it('passes on the relay as written', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const results = await eslint.lintFiles(['sync-server/src']);
    const hits = results.flatMap((r) => r.messages.filter((m) => m.ruleId === RULE).map((m) => `${r.filePath}: ${m.message}`));
    expect(hits).toEqual([]);
  });
});
