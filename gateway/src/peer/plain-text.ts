/**
 * Terminal output as plain text for a reader that is not a terminal (a
 * model, a log): escape sequences (CSI, OSC, DCS and the two-byte ones)
 * removed, CR LF turned into LF, a carriage return that overwrites a line
 * keeping only what was written last, backspaces applied, and other control
 * characters dropped (tabs and newlines stay).
 */

const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[ -/]*[0-~]/g;

export function plainText(raw: string): string {
  const text = raw.replace(ESCAPES, '').replace(/\r+\n/g, '\n');
  return text
    .split('\n')
    .map((line) => {
      let out = line.slice(line.lastIndexOf('\r') + 1);
      for (let at = out.search(/[^\x08]\x08/); at >= 0; at = out.search(/[^\x08]\x08/)) out = out.slice(0, at) + out.slice(at + 2);
      return out.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    })
    .join('\n');
}
