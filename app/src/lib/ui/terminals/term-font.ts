/**
 * The terminal's type: 14 px text in rows a little taller than the font. xterm.js's DOM renderer
 * clips each row to its cell, and common monospace fonts (DejaVu Sans Mono, Droid Sans Mono, the
 * usual Linux default) draw the underscore below the font's own line box: at a line height of 1
 * `MY_VAR=a_b_c` shows as "MY VAR=a b c". The extra fifth of a line keeps the underscore inside
 * the cell (e2e/src/gateway-view.test.ts checks the pixels).
 */
export const TERM_FONT_PX = 14;
export const TERM_LINE_HEIGHT = 1.2;
