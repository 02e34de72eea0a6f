// Node-only: load a CLIP tokenizer from disk. Kept out of the main entry so browser bundles
// never see node:fs.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClipTokenizer } from './tokenizer.js';

/**
 * Loads OpenAI's `bpe_simple_vocab_16e6.txt.gz` (a file path) or a Hugging Face tokenizer
 * folder holding `vocab.json` and `merges.txt` (a directory path).
 */
export async function loadTokenizer(path: string): Promise<ClipTokenizer> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw new Error(
      `CLIP tokenizer not found at ${path}: expected bpe_simple_vocab_16e6.txt.gz or a folder with vocab.json and merges.txt`,
    );
  }
  if (!isDirectory) return ClipTokenizer.fromOpenAiBpe(await readFile(path), path);
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
