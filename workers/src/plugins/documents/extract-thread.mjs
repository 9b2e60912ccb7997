// Text extraction from one document, in a worker thread of its own: a PDF
// (pdfjs-dist, text of every page) or a DOCX (mammoth, raw text). The bytes
// come from files the user granted a plugin, not from the user: a malformed
// or hostile file may hang or exhaust a parser, so it does so here, under the
// host's time and memory limits, not in the worker's main thread. Plain
// JavaScript: worker threads here run without the TypeScript loader. The
// host side is document-text.ts.
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ format: 'pdf' | 'docx'; bytes: Uint8Array; maxChars: number }} */
const { format, bytes, maxChars } = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

/** @param {Uint8Array} data @param {number} max */
async function pdfText(data, max) {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: false, verbosity: 0 }).promise;
  const pages = [];
  let length = 0;
  try {
    for (let n = 1; n <= doc.numPages && length < max; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const text = content.items.map((i) => ('str' in i ? i.str + (i.hasEOL ? '\n' : '') : '')).join('').replace(/[ \t]+\n/g, '\n').trim();
      pages.push(text);
      length += text.length;
      page.cleanup();
    }
  } finally {
    await doc.destroy();
  }
  return { text: pages.join('\n\n'), pages: doc.numPages };
}

/** @param {Uint8Array} data */
async function docxText(data) {
  const mammoth = (await import('mammoth')).default;
  const r = await mammoth.extractRawText({ buffer: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
  return { text: r.value.replace(/\n{3,}/g, '\n\n').trim() };
}

try {
  const r = format === 'pdf' ? await pdfText(bytes, maxChars) : await docxText(bytes);
  const truncated = r.text.length > maxChars;
  port.postMessage({ ok: true, text: truncated ? r.text.slice(0, maxChars) : r.text, truncated, ...(r.pages ? { pages: r.pages } : {}) });
} catch (e) {
  port.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) });
}
