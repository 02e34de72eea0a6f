/** `--templates`: a comma-separated list with {} in it, or a file of one template per line; a template without {} is refused. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTemplatesFlag } from '../src/templates-flag.js';

const dir = mkdtempSync(join(tmpdir(), 'stylegpu-templates-'));
const W = 'adapt nada --templates';

describe('parseTemplatesFlag', () => {
  it('splits a list at commas, trimming and dropping empty entries', () => {
    expect(parseTemplatesFlag(W, 'a {} circle, a {} square,,')).toEqual(['a {} circle', 'a {} square']);
    expect(parseTemplatesFlag(W, '{}')).toEqual(['{}']);
  });

  it('reads a file of one template per line (commas kept, blank lines and # comments skipped)', () => {
    const file = join(dir, 'templates.txt');
    writeFileSync(file, '# ImageNet-like\r\na photo of a {}, small.\n\n  {} art  \n');
    expect(parseTemplatesFlag(W, file)).toEqual(['a photo of a {}, small.', '{} art']);
  });

  it('refuses a template without {}, a missing file and a file with no templates', () => {
    expect(() => parseTemplatesFlag(W, 'a {} circle,a square')).toThrow(`${W} 'a square': has no {} for the class name (source and target would read the same); give comma-separated templates`);
    expect(() => parseTemplatesFlag(W, join(dir, 'nope.txt'))).toThrow(/'\S+nope\.txt': has no \{\} for the class name, and as a file: no such file or folder; give /);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '# nothing\n\n');
    expect(() => parseTemplatesFlag(W, empty)).toThrow(`${W} ${empty}: the file holds no templates; give `);
    const plain = join(dir, 'plain.txt');
    writeFileSync(plain, 'a {} circle\na square\n');
    expect(() => parseTemplatesFlag(W, plain)).toThrow(`${W} 'a square': has no {} for the class name`);
  });
});
