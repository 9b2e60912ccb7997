/**
 * Recognises the replies a terminal emulator (xterm.js in a browser) sends by
 * itself, without a key press, in answer to a program's query or to a focus
 * change. Several browsers watch one terminal; if each of them answered, the
 * program would get duplicate answers typed into its input, so the input gate
 * strips these from every device except the one allowed to answer.
 *
 * A reply is one of these complete 7-bit sequences (ESC = \x1b, ST = ESC \):
 *
 * | reply                         | form                                   |
 * | ----------------------------- | -------------------------------------- |
 * | primary device attributes     | `ESC [ ? Ps ; ... c`                   |
 * | secondary device attributes   | `ESC [ > Ps ; ... c`                   |
 * | tertiary device attributes    | `ESC P ! \| hex ST`                    |
 * | status report (DSR 5, DEC)    | `ESC [ 0 n`, `ESC [ 3 n`, `ESC [ ? Ps ; ... n` |
 * | cursor position (CPR, DECXCPR)| `ESC [ r ; c R`, `ESC [ ? r ; c (; p) R` |
 * | mode report (DECRPM)          | `ESC [ (?) Ps ; Pm $ y`                |
 * | setting report (DECRQSS)      | `ESC P 0/1 $ r ... ST`                 |
 * | capability report (XTGETTCAP) | `ESC P 0/1 + r ... ST`                 |
 * | version report (XTVERSION)    | `ESC P > \| ... ST`                    |
 * | window reports (XTWINOPS)     | `ESC [ Ps ; ... t`                     |
 * | terminal parameters           | `ESC [ 2/3 ; ... x`                    |
 * | keyboard protocol flags       | `ESC [ ? flags u`                      |
 * | colour reports (OSC 4/10-19)  | `ESC ] 4;n;rgb:r/g/b` or `ESC ] 1x;rgb:r/g/b`, ended by BEL or ST |
 * | focus in / out                | `ESC [ I`, `ESC [ O`                   |
 *
 * Key presses, pastes and mouse reports are never matched, with one known
 * ambiguity: `ESC [ 1 ; m R` is both a cursor report on row 1 and F3 with
 * modifier m; it is treated as a reply.
 */

const REPLY = new RegExp(
  [
    '\\x1b\\[[?>][0-9;]*c',
    '\\x1bP!\\|[0-9A-Fa-f]*\\x1b\\\\',
    '\\x1b\\[[03]n',
    '\\x1b\\[\\?[0-9;]*n',
    '\\x1b\\[\\??[0-9]+;[0-9]+(?:;[0-9]+)?R',
    '\\x1b\\[\\??[0-9]+;[0-9]+\\$y',
    '\\x1bP[01][$+]r[^\\x1b]*\\x1b\\\\',
    '\\x1bP>\\|[^\\x1b]*\\x1b\\\\',
    '\\x1b\\[[0-9]+(?:;[0-9]+)*t',
    '\\x1b\\[[23];[0-9;]*x',
    '\\x1b\\[\\?[0-9]+u',
    '\\x1b\\](?:4;[0-9]+|1[0-9]);rgb:[0-9A-Fa-f]{1,4}/[0-9A-Fa-f]{1,4}/[0-9A-Fa-f]{1,4}(?:\\x07|\\x1b\\\\)',
    '\\x1b\\[[IO]',
  ].join('|'),
  'g',
);

export interface SplitInput {
  /** The input with every automatic reply removed. */
  readonly kept: Uint8Array;
  /** How many replies were removed. */
  readonly replies: number;
}

/** Removes automatic terminal replies from one input frame. */
export function stripReplies(data: Uint8Array): SplitInput {
  if (data.indexOf(0x1b) < 0) return { kept: data, replies: 0 };
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  let replies = 0;
  const kept = text.replace(REPLY, () => {
    replies++;
    return '';
  });
  return replies === 0 ? { kept: data, replies } : { kept: new Uint8Array(Buffer.from(kept, 'latin1')), replies };
}
