// The embedded CLIP reads words, not BPE: NADA's trainer calls `tokenizer.tokenize(texts, { truncate })`
// as for OpenAI's tokenizer, so the word tokenizer is wrapped with the model's context length. Prompts
// and templates must use words of the model's vocabulary (a word outside it is an error, never dropped).
import { splitWords } from '@stylegpu/clip';

/** A word tokenizer shaped as the trainer's tokenizer: texts → [N, contextLength] ids. */
export function trainerTokenizer(words, contextLength) {
  return {
    vocabularySize: words.vocabularySize,
    tokenize: (texts) => words.tokenize(texts, { contextLength }),
  };
}

/** Words of `texts` that `words` (a WordTokenizer) does not know, each once, in order of appearance. */
export function unknownWords(words, texts) {
  const known = new Set(words.words);
  const missing = [];
  for (const t of texts) for (const w of splitWords(t)) if (!known.has(w) && !missing.includes(w)) missing.push(w);
  return missing;
}

