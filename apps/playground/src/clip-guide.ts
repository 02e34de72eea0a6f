/**
 * The CLIP model that guides text adaptation in the page: the embedded word-level CLIP
 * (`embedded:shapes32-clip`) or a stylegpu CLIP `.safetensors` picked with its `.vocab.json`.
 * Word-level models read only words of their captions, so prompts are checked against the
 * vocabulary before any GPU work.
 */
import type { Runtime, Tensor } from '@stylegpu/kernels';
import { ClipModel, readClipCheckpoint, readEmbeddedClip, readWordVocabulary, splitWords, wordTokenizerForModel, type ModelWordTokenizer } from '@stylegpu/clip';

export interface ClipFiles {
  /** File names, for messages. */
  weightsName: string;
  vocabularyName: string;
  weights: Uint8Array;
  vocabulary: Uint8Array;
}

export interface ClipInfo {
  label: string;
  words: number;
  imageSize: number;
  embedDim: number;
}

export class ClipGuide {
  private constructor(
    readonly label: string,
    readonly model: ClipModel,
    readonly tokenizer: ModelWordTokenizer,
  ) {}

  static async load(rt: Runtime, source: string | ClipFiles): Promise<ClipGuide> {
    if (typeof source === 'string') {
      const { checkpoint, tokenizer } = await readEmbeddedClip(source);
      return new ClipGuide(source, ClipModel.fromWeights(rt, checkpoint.config, checkpoint.weights), wordTokenizerForModel(tokenizer, checkpoint.config.text.contextLength));
    }
    let checkpoint;
    try {
      checkpoint = readClipCheckpoint(source.weights);
    } catch (e) {
      throw new Error(`${source.weightsName}: ${(e as Error).message}`);
    }
    const words = readWordVocabulary(source.vocabulary, source.vocabularyName, checkpoint.config.text.vocabSize);
    return new ClipGuide(source.weightsName, ClipModel.fromWeights(rt, checkpoint.config, checkpoint.weights), wordTokenizerForModel(words, checkpoint.config.text.contextLength));
  }

  get info(): ClipInfo {
    const c = this.model.config;
    return { label: this.label, words: this.tokenizer.words.words.length, imageSize: c.vision.imageSize, embedDim: c.embedDim };
  }

  /** Throws naming every word of `texts` outside the vocabulary (a word model never drops one silently). */
  checkPrompts(texts: readonly string[]): void {
    const known = new Set(this.tokenizer.words.words);
    const missing: string[] = [];
    for (const t of texts) for (const w of splitWords(t)) if (!known.has(w) && !missing.includes(w)) missing.push(w);
    if (missing.length) {
      const sample = this.tokenizer.words.words.slice(0, 24).join(', ');
      throw new Error(`${this.label} does not know the word${missing.length > 1 ? 's' : ''} ${missing.map((w) => `'${w}'`).join(', ')}; its vocabulary has ${known.size} words (${sample}, …)`);
    }
  }

  encodeText(texts: readonly string[]): Tensor {
    return this.model.encodeText(this.tokenizer.tokenize(texts));
  }

  dispose(): void {
    this.model.dispose();
  }
}
