import { describe, expect, it } from 'vitest';
import { minimalDocx, minimalPdf } from '../../../test/document-fixtures.ts';
import { documentFormat, extractDocumentText } from './document-text.ts';

describe('document text', () => {
  it('extracts the text of a PDF and of a DOCX', async () => {
    const pdf = await extractDocumentText(minimalPdf(['Quarterly report', 'The quokka budget (draft)']), 'pdf');
    expect(pdf).toMatchObject({ truncated: false, pages: 1 });
    expect(pdf.text).toContain('Quarterly report');
    expect(pdf.text).toContain('The quokka budget (draft)');
    const docx = await extractDocumentText(await minimalDocx(['Memo', 'Feed the narwhal & the <otter>']), 'docx');
    expect(docx.text).toBe('Memo\n\nFeed the narwhal & the <otter>');
  });

  it('cuts at the character limit', async () => {
    const r = await extractDocumentText(await minimalDocx(['x'.repeat(100)]), 'docx', { maxChars: 10 });
    expect(r).toEqual({ text: 'x'.repeat(10), truncated: true });
  });

  it('refuses a file that is not what its extension says, and a broken one, with a clear error', async () => {
    expect(documentFormat('/a/B.PDF')).toBe('pdf');
    expect(documentFormat('/a/b.doc')).toBeUndefined();
    await expect(extractDocumentText(new TextEncoder().encode('plain text'), 'pdf')).rejects.toThrow(/not a PDF document/);
    const broken = minimalPdf(['x']).slice(0, 40);
    await expect(extractDocumentText(broken, 'pdf')).rejects.toThrow(/PDF could not be read/);
    await expect(extractDocumentText(new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3]), 'docx')).rejects.toThrow(/DOCX could not be read/);
  });
});
