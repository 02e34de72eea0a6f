// Node-only: load a CLIP tokenizer from disk. Kept out of the main entry so browser bundles
// never see node:fs.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClipTokenizer, MAX_VOCABULARY_BYTES } from './tokenizer.js';

/**
 * OpenAI's `bpe_simple_vocab_16e6.txt.gz` as shipped in this package (vocab/, MIT, see vocab/LICENSE).
 * Resolved from this module's URL: both src/ and dist/ sit one level below the package root.
 */
export function bundledVocabularyPath(): string {
  return fileURLToPath(new URL('../vocab/bpe_simple_vocab_16e6.txt.gz', import.meta.url));
}

/**
 * Loads OpenAI's `bpe_simple_vocab_16e6.txt.gz` (a file path) or a Hugging Face tokenizer
 * folder holding `vocab.json` and `merges.txt` (a directory path). Without a path, the copy of
 * OpenAI's vocabulary shipped in this package.
 */
export async function loadTokenizer(path: string = bundledVocabularyPath()): Promise<ClipTokenizer> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new Error(
      `CLIP tokenizer not found at ${path}: expected bpe_simple_vocab_16e6.txt.gz or a folder with vocab.json and merges.txt`,
    );
  }
  if (!info.isDirectory()) {
    // The gzip file is ~1.3 MB; anything past the inflated ceiling cannot be a vocabulary either.
    if (info.size > MAX_VOCABULARY_BYTES) {
      throw new Error(`CLIP tokenizer file ${path} is ${info.size} bytes, more than any BPE vocabulary (expected bpe_simple_vocab_16e6.txt.gz, ~1.3 MB)`);
    }
    return ClipTokenizer.fromOpenAiBpe(await readFile(path), path);
  }
  const vocabPath = join(path, 'vocab.json');
  const mergesPath = join(path, 'merges.txt');
  // One after the other, so the error always names the first missing file.
  const vocabJson = await readTextOrExplain(vocabPath, path);
  const mergesTxt = await readTextOrExplain(mergesPath, path);
  return ClipTokenizer.fromHuggingFace(vocabJson, mergesTxt, path);
}

async function readTextOrExplain(filePath: string, folder: string): Promise<string> {
  try {
    return await readFile(filePath, 'utf8');
  } catch {
    throw new Error(`CLIP tokenizer folder ${folder} has no readable ${filePath.slice(folder.length + 1)} (expected Hugging Face vocab.json and merges.txt)`);
  }
}
