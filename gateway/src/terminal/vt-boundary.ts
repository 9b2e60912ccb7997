/**
 * Tracks whether a byte stream sits at a clean boundary: not inside an escape
 * sequence (ESC, CSI, OSC, DCS, SOS/PM/APC strings) and not inside a UTF-8
 * character, and keeps the bytes fed since the last clean boundary (`tail`).
 * A viewer restoring a snapshot starts a fresh parser, so a snapshot taken
 * mid-sequence carries that tail after the serialized screen: the viewer's
 * parser then stands where the mirror's did, and the next batch completes the
 * sequence. (An incomplete sequence does not change the screen, except for a
 * C0 control inside a CSI, which xterm executes at once; such a control would
 * run twice on the viewer. Programs do not emit these in practice.)
 *
 * The state machine follows the VT500 parser closely enough for this purpose:
 * CAN and SUB abort a sequence, ESC inside a string either terminates it
 * (ESC \) or starts a new sequence, BEL ends an OSC string.
 */

const State = {
  Ground: 0,
  Escape: 1,
  EscapeIntermediate: 2,
  Csi: 3,
  String: 4,
  StringEscape: 5,
} as const;
type State = (typeof State)[keyof typeof State];

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;

export class BoundaryScanner {
  private state: State = State.Ground;
  private utf8Left = 0;
  private tailChunks: Uint8Array[] = [];
  private tailLength = 0;

  /** True when the bytes fed so far end at a clean boundary. */
  get atBoundary(): boolean {
    return this.state === State.Ground && this.utf8Left === 0;
  }

  /** Bytes fed since the last clean boundary (empty at a boundary). */
  get tail(): Uint8Array {
    if (this.tailChunks.length > 1) this.tailChunks = [Buffer.concat(this.tailChunks)];
    return this.tailChunks[0] ?? new Uint8Array(0);
  }
  get tailBytes(): number {
    return this.tailLength;
  }

  feed(bytes: Uint8Array): void {
    let state = this.state;
    let utf8Left = this.utf8Left;
    let clean = -1;
    // Buffer's indexOf is memchr: tens of times faster than a typed array's over a flood's batches.
    const search = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      if (state === State.Ground) {
        // Fast path: a run of text up to the next ESC only matters for the UTF-8 state at its end.
        const esc = search.indexOf(ESC, i);
        const end = esc < 0 ? bytes.length : esc;
        if (end - i >= 4) {
          const lead = lastLead(bytes, end);
          const missing = lead < 0 ? 0 : utf8Length(bytes[lead]!) - (end - lead);
          utf8Left = missing > 0 ? missing : 0;
          clean = missing > 0 ? lead : end;
          i = end - 1;
          continue;
        }
      }
      if (state === State.Ground && utf8Left === 0) clean = i;
      const b = bytes[i]!;
      if (b === CAN || b === SUB) {
        state = State.Ground;
        utf8Left = 0;
        continue;
      }
      switch (state) {
        case State.Ground:
          if (b === ESC) {
            state = State.Escape;
            utf8Left = 0;
          } else if (utf8Left > 0 && (b & 0xc0) === 0x80) utf8Left--;
          else utf8Left = utf8Length(b) - 1;
          break;
        case State.Escape:
          state = escapeNext(b);
          break;
        case State.EscapeIntermediate:
          if (b >= 0x30 && b <= 0x7e) state = State.Ground;
          else if (b === ESC) state = State.Escape;
          break;
        case State.Csi:
          if (b >= 0x40 && b <= 0x7e) state = State.Ground;
          else if (b === ESC) state = State.Escape;
          break;
        case State.String:
          if (b === ESC) state = State.StringEscape;
          else if (b === BEL) state = State.Ground;
          break;
        case State.StringEscape:
          state = b === 0x5c ? State.Ground : escapeNext(b);
          break;
      }
    }
    this.state = state;
    this.utf8Left = utf8Left;
    if (this.atBoundary) {
      this.tailChunks = [];
      this.tailLength = 0;
    } else if (clean >= 0) {
      this.tailChunks = [bytes.slice(clean)];
      this.tailLength = bytes.length - clean;
    } else {
      this.tailChunks.push(bytes.slice());
      this.tailLength += bytes.length;
    }
  }
}

/** Bytes in the UTF-8 character a byte starts (1 for ASCII and stray continuation bytes). */
function utf8Length(b: number): number {
  return b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xc0 && b < 0xe0 ? 2 : 1;
}

/** The last byte before `end`, within a character's reach, that is not a continuation byte; -1 if none. */
function lastLead(bytes: Uint8Array, end: number): number {
  for (let j = end - 1; j >= Math.max(0, end - 4); j--) if ((bytes[j]! & 0xc0) !== 0x80) return j;
  return -1;
}

/** The state after ESC followed by `b`. */
function escapeNext(b: number): State {
  if (b === 0x5b) return State.Csi; // [
  if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) return State.String; // ] P X ^ _
  if (b === ESC) return State.Escape;
  if (b >= 0x20 && b <= 0x2f) return State.EscapeIntermediate;
  return State.Ground;
}
