/**
 * Automatic replies are recognised exactly: every reply a real xterm.js sends
 * to the usual queries is stripped, while key presses, pastes and mouse
 * reports pass untouched.
 */
import headless from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { stripReplies } from './terminal-replies.ts';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

async function xtermReplies(queries: string): Promise<string[]> {
  const term = new headless.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  const out: string[] = [];
  term.onData((d) => out.push(d));
  await new Promise<void>((r) => term.write(queries, r));
  term.dispose();
  return out;
}

describe('automatic terminal replies', () => {
  it('strips every reply xterm.js produces for common queries', async () => {
    const queries = ['\x1b[c', '\x1b[>c', '\x1b[=c', '\x1b[5n', '\x1b[6n', '\x1b[?6n', '\x1b[?2004$p', '\x1b[4$p', '\x1bP$qm\x1b\\', '\x1b[18t', '\x1b[14t', '\x1b]10;?\x07', '\x1b]11;?\x1b\\', '\x1b]4;1;?\x07', '\x1b[>q'];
    const replies = await xtermReplies(queries.join(''));
    expect(replies.length).toBeGreaterThanOrEqual(8);
    for (const reply of replies) {
      const r = stripReplies(bytes(reply));
      expect({ reply, kept: str(r.kept) }).toEqual({ reply, kept: '' });
    }
  });

  it('strips the documented forms, including focus reports', () => {
    const forms = ['\x1b[?1;2c', '\x1b[>0;276;0c', '\x1bP!|00000000\x1b\\', '\x1b[0n', '\x1b[?997;1n', '\x1b[12;40R', '\x1b[?12;40;1R', '\x1b[?2004;2$y', '\x1b[4;2$y', '\x1bP1$r0m\x1b\\', '\x1bP1+r544e\x1b\\', '\x1bP>|xterm.js(6.0.0)\x1b\\', '\x1b[8;24;80t', '\x1b[2;1;1;120;120;1;0x', '\x1b[?0u', '\x1b]11;rgb:0000/0000/0000\x1b\\', '\x1b]4;1;rgb:cd/00/00\x07', '\x1b[I', '\x1b[O'];
    for (const f of forms) expect({ f, kept: str(stripReplies(bytes(f)).kept) }).toEqual({ f, kept: '' });
  });

  it('keeps keys, pastes and mouse reports, and strips only the replies mixed in', () => {
    const keys = ['ls -la\r', '\x1b[A', '\x1b[1;5C', '\x1bOP', '\x1b[15~', '\x1b[200~pasted\x1b[201~', '\x1b[<0;10;5M', '\x1b[M !!', '\x1b[', '\x1bx', '\x03', '\x1b[3;5~'];
    for (const k of keys) {
      const r = stripReplies(bytes(k));
      expect({ k, kept: str(r.kept), replies: r.replies }).toEqual({ k, kept: k, replies: 0 });
    }
    const mixed = stripReplies(bytes('a\x1b[12;40Rb\x1b[Ic'));
    expect([str(mixed.kept), mixed.replies]).toEqual(['abc', 2]);
  });

  it('returns the same array untouched when nothing matches', () => {
    const data = bytes('plain');
    expect(stripReplies(data).kept).toBe(data);
  });
});
