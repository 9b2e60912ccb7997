/**
 * A rebuild whose kept output begins with an escape string holding line feeds (an OSC payload, as image
 * or clipboard data carry) does not draw the string's payload as text: the mirror thread starts from a
 * batch start where it knew the parser's state (rebuild-start.ts), not from the first line feed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputBatch } from './output-batch.ts';
import { ScreenMirror } from './screen-mirror.ts';

const mirrors: ScreenMirror[] = [];
afterEach(async () => {
  await Promise.all(mirrors.splice(0).map((m) => m.close()));
});

describe('a rebuilt mirror', () => {
  it('never shows the payload of a string that the kept output begins with', async () => {
    const texts = [
      'filler\r\n'.repeat(512),
      // An OSC string (set the clipboard) whose base64 payload is wrapped in lines: nothing of it is shown.
      `\x1b]52;c;${'UEFZTE9BRC1QQVlMT0FE\n'.repeat(1000)}`,
      `\x07${Array.from({ length: 5 }, (_, i) => `visible line ${i}\r\n`).join('')}done$ `,
    ];
    const mirror = new ScreenMirror({ cols: 80, rows: 24, scrollback: 100, highWaterBytes: 24 * 1024, rebuildBytes: 16 * 1024, periodic: { everyBytes: Infinity } });
    mirrors.push(mirror);
    await mirror.screenText(); // the worker is up
    let offset = 0;
    // Fed in one turn, so the worker parses nothing meanwhile: the backlog passes the mark on the last batch.
    texts.forEach((t, seq) => {
      const bytes = new Uint8Array(Buffer.from(t, 'latin1'));
      const batch: OutputBatch = { seq, offset, bytes };
      offset += bytes.length;
      mirror.feed(batch);
    });
    expect(mirror.rebuildCount).toBe(1);
    const text = await mirror.screenText();
    expect(text).toContain('visible line 4');
    expect(text).toMatch(/done\$ *$/);
    expect(text).not.toContain('UEFZTE9BRC');
    const snapshot = await mirror.snapshot();
    expect(snapshot.rebuilt).toBe(true);
  });
});
