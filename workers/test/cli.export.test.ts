/**
 * `tendril chat export --home DIR CHAT [--format md|json]`: prints the
 * branch the chat shows (an edited message in its shown version only), as
 * Markdown with a heading per message or as JSON with models and usage; an
 * unknown format and a missing chat are refused with the reason.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import { cli, cliOk, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';

describe('tendril chat export', () => {
  const dir = tempDir('export');
  let relay: RelayProcess;
  let ws: Workspace;

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    ws = await makeWorkspace(dir.path, relay.url, 0);
    const s = await ws.open(0);
    const { sync } = await s.openChat(ws.chat);
    // A second apart: messages written in the same millisecond sort by id, not in writing order.
    let t = Date.now() - 60_000;
    const chat = chatDoc(sync.ydoc, { now: () => (t += 1000) });
    const me = s.home.identity.deviceId;
    const first = chat.addMessage({ author: me, role: 'user', content: 'What is a *tendril*?' });
    chat.editMessage(first, 'What is a **tendril**, briefly?', { author: me });
    const turn = chat.transcript().find((m) => m.content.includes('briefly'))!.id;
    const reply = chat.addMessage({ author: me, role: 'assistant', status: 'done', model: 'gpt-4o-mini', parent: turn, content: 'A shoot that climbs.\n\n- thin\n- curly' });
    chat.setAgent(reply, { id: 'A'.repeat(22) as AgentId, name: 'Botanist' });
    chat.setUsage(reply, { inputTokens: 12, outputTokens: 8, costUsd: 0.00001 });
    expect(await s.syncOrQueue(10_000)).toBe('synced');
    await s.close();
  }, 60_000);

  afterAll(async () => {
    await relay?.kill();
    dir.remove();
  });

  it('prints the shown branch as Markdown', async () => {
    const md = (await cliOk('chat', 'export', '--home', ws.homes[0]!, ws.chat)).out.join('\n');
    const lines = md.split('\n');
    expect(lines[0]).toBe('# shared');
    expect(lines[2]).toMatch(new RegExp(`^Exported from Tendril on \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(chat ${ws.chat}, 2 messages\\)\\.$`));
    expect(md).toMatch(/\n## admin · \d{4}-[^\n]+Z\n\nWhat is a \*\*tendril\*\*, briefly\?\n/);
    expect(md).toMatch(/\n## Botanist, gpt-4o-mini · [^\n]+Z\n\nA shoot that climbs\.\n\n- thin\n- curly$/);
    // The earlier version of the edited message is not on the branch shown.
    expect(md).not.toContain('What is a *tendril*?');
    // --format md is the default; only the export time may differ.
    const stamp = (t: string): string => t.replace(/^Exported from Tendril on \S+/m, 'Exported');
    expect(stamp((await cliOk('chat', 'export', '--home', ws.homes[0]!, ws.chat, '--format', 'md')).out.join('\n'))).toBe(stamp(md));
  });

  it('prints the shown branch as JSON with models and usage', async () => {
    const out = (await cliOk('chat', 'export', '--home', ws.homes[0]!, ws.chat, '--format', 'json')).out.join('\n');
    const doc = JSON.parse(out) as { format: string; version: number; chat: { id: string; title: string }; messages: { role: string; content: string; authorName?: string; agent?: string; model?: string; usage?: unknown }[] };
    expect([doc.format, doc.version, doc.chat]).toEqual(['tendril-chat', 1, { id: ws.chat, title: 'shared' }]);
    expect(doc.messages.map((m) => [m.role, m.content])).toEqual([['user', 'What is a **tendril**, briefly?'], ['assistant', 'A shoot that climbs.\n\n- thin\n- curly']]);
    expect(doc.messages[0]!.authorName).toBe('admin');
    expect(doc.messages[1]).toMatchObject({ agent: 'Botanist', model: 'gpt-4o-mini', usage: { inputTokens: 12, outputTokens: 8, costUsd: 0.00001 } });
  });

  it('refuses an unknown format and a chat it does not hold', async () => {
    const bad = await cli('chat', 'export', '--home', ws.homes[0]!, ws.chat, '--format', 'pdf');
    expect(bad.code).not.toBe(0);
    expect(bad.err.join('\n')).toContain('--format is md or json (got pdf)');
    const missing = await cli('chat', 'export', '--home', ws.homes[0]!, 'Z'.repeat(22));
    expect(missing.code).not.toBe(0);
    expect(missing.err.join('\n')).toContain(`no chat ${'Z'.repeat(22)} in this workspace`);
  });
});
