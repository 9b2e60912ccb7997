/**
 * Watching a terminal session from the command line: the viewer protocol of
 * viewer-core.ts drawn into a headless xterm, with the snapshot unpacked by
 * node:zlib, plus waiting for text to appear on the screen.
 */
import { gunzipSync } from 'node:zlib';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { SessionEntry } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { HeadlessScreen } from '../terminal/index.ts';
import { ViewerCore, type Screen, type ViewerNotice } from './viewer-core.ts';
import type { FileTransfers } from './file-transfers.ts';

/** A Screen over a headless xterm that is replaced on reset. */
class HeadlessTarget implements Screen {
  screen = new HeadlessScreen({ cols: 80, rows: 24 });
  write(bytes: Uint8Array): Promise<void> {
    return this.screen.write(bytes);
  }
  reset(cols: number, rows: number): void {
    this.screen.dispose();
    this.screen = new HeadlessScreen({ cols, rows });
  }
  resize(cols: number, rows: number): void {
    this.screen.resize({ cols, rows });
  }
}

export class TermViewer {
  readonly entry: SessionEntry;
  private readonly target = new HeadlessTarget();
  private readonly core: ViewerCore;
  private changed: (() => void) | null = null;

  /** `onNotice`: the gateway refused this device's input (viewer-core.ts). */
  constructor(crypto: CryptoProvider, session: WorkspaceSession, entry: SessionEntry, onNotice?: (n: ViewerNotice) => void) {
    this.entry = entry;
    this.core = new ViewerCore({
      crypto,
      session,
      entry,
      screen: this.target,
      gunzip: async (gzip) => new Uint8Array(gunzipSync(gzip)),
      onChange: () => this.changed?.(),
      ...(onNotice ? { onNotice } : {}),
    });
  }

  /** Opens the session document, restores what it holds, and asks the gateway to catch this viewer up. */
  open(timeoutMs = 15_000): Promise<void> {
    return this.core.open(timeoutMs);
  }

  /** Uploads and downloads in the session's working directory (file-transfers.ts). */
  get files(): FileTransfers {
    return this.core.files;
  }

  /** Resolves once the gateway answered this viewer's join (false at the deadline). */
  whenLive(timeoutMs?: number): Promise<boolean> {
    return this.core.whenLive(timeoutMs);
  }

  /** Types `text` (signed, counter-checked by the gateway); it leaves once the gateway answered the join. */
  send(text: string): void {
    this.core.send(text);
  }

  /** The visible screen as text, once every received byte is parsed. */
  async screenText(): Promise<string> {
    await this.core.settled();
    return this.target.screen.screenText();
  }

  get exitCode(): number | null {
    return this.core.exitCode;
  }

  /** Resolves once the screen contains `text`, or rejects at the deadline. */
  async waitFor(text: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screenText();
      if (screen.includes(text)) return screen;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`"${text}" did not appear on the screen within ${timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.changed = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.changed = null;
    }
  }
}
