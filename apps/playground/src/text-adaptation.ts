/**
 * StyleGAN-NADA in the page: a few steps of the adapt package's NadaTrainer on a trainable copy of
 * the generator, guided by a word-level CLIP, with a progress callback per step. The CLIP score is
 * the one the demo prints: the mean over the shown seeds of cos(image, target) − cos(image, source),
 * with each class embedded over the templates.
 */
import { type Runtime, type Tensor } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { NadaTrainer, classTextEmbedding, composeWithTemplates, globalClipText } from '@stylegpu/adapt';
import { preprocessGenerated } from '@stylegpu/clip';
import type { ClipGuide } from './clip-guide.js';

export interface AdaptOptions {
  source: string;
  target: string;
  /** Prompt templates with `{}` for the class ('a {} circle'). */
  templates: string[];
  steps: number;
  batch: number;
  lr: number;
}

export interface AdaptResult {
  steps: number;
  /** The templates used (trimmed, as given). */
  templates: string[];
  ms: number;
  firstLoss: number;
  lastLoss: number;
  /** CLIP score gap on the shown seeds, frozen generator and adapted one. */
  scoreBefore: number;
  scoreAfter: number;
}

export type AdaptProgress = (step: number, steps: number, loss: number) => void;

export const ADAPT_LIMITS = { steps: 500, batch: 8 } as const;

export function checkAdaptOptions(o: AdaptOptions): void {
  if (!o.source.trim() || !o.target.trim()) throw new Error('Adaptation: give a source and a target class (e.g. red → blue)');
  if (o.templates.length === 0) throw new Error("Adaptation: give at least one template with '{}', e.g. 'a {} circle'");
  for (const t of o.templates) if (!t.includes('{}')) throw new Error(`Adaptation: the template '${t}' has no '{}' for the class`);
  if (!Number.isInteger(o.steps) || o.steps < 1 || o.steps > ADAPT_LIMITS.steps) throw new Error(`Adaptation: steps must be an integer in 1–${ADAPT_LIMITS.steps}, got ${o.steps}`);
  if (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > ADAPT_LIMITS.batch) throw new Error(`Adaptation: batch must be an integer in 1–${ADAPT_LIMITS.batch}, got ${o.batch}`);
  if (!(o.lr > 0 && o.lr <= 1)) throw new Error(`Adaptation: the learning rate must be in (0, 1], got ${o.lr}`);
}

/** Trains `trainable` (a copy of `frozen`) in place; `ws` [N, numWs, wDim] are the seeds the score is measured on. */
export async function adaptToText(rt: Runtime, frozen: Generator, trainable: Generator, clip: ClipGuide, ws: Tensor, o: AdaptOptions, progress: AdaptProgress): Promise<AdaptResult> {
  checkAdaptOptions(o);
  const source = o.source.trim();
  const target = o.target.trim();
  const prompts = [source, target].flatMap((c) => composeWithTemplates(c, o.templates)).concat(globalClipText(target));
  clip.checkPrompts(prompts);
  const encode = (texts: readonly string[]) => clip.encodeText(texts);
  const [targetText, sourceText] = [target, source].map((c) => rt.keep(rt.noGrad(() => rt.tidy(() => classTextEmbedding(encode, c, o.templates)))));
  const trainer = new NadaTrainer(rt, frozen, trainable, [{ name: clip.label, model: clip.model, tokenizer: clip.tokenizer, weight: 1 }], {
    sourceClass: source,
    targetClass: target,
    templates: o.templates,
    batch: o.batch,
    lr: o.lr,
    seed: 2,
  });
  try {
    const score = (G: Generator) => clipScoreWith(rt, G, clip, ws, targetText, sourceText);
    const scoreBefore = await score(frozen);
    const started = performance.now();
    const losses: number[] = [];
    for (let i = 0; i < o.steps; i++) {
      losses.push((await trainer.trainStep()).loss);
      progress(i + 1, o.steps, losses[i]);
    }
    const ms = performance.now() - started;
    return { steps: o.steps, templates: [...o.templates], ms, firstLoss: losses[0], lastLoss: losses[losses.length - 1], scoreBefore, scoreAfter: await score(trainable) };
  } finally {
    trainer.dispose();
    targetText.dispose();
    sourceText.dispose();
  }
}

/** The CLIP score gap of `G`'s images of `ws` for `source` → `target` embedded over `templates`. */
export async function clipScore(rt: Runtime, G: Generator, clip: ClipGuide, ws: Tensor, source: string, target: string, templates: readonly string[]): Promise<number> {
  const encode = (texts: readonly string[]) => clip.encodeText(texts);
  const [targetText, sourceText] = [target, source].map((c) => rt.keep(rt.noGrad(() => rt.tidy(() => classTextEmbedding(encode, c, templates)))));
  try {
    return await clipScoreWith(rt, G, clip, ws, targetText, sourceText);
  } finally {
    targetText.dispose();
    sourceText.dispose();
  }
}

async function clipScoreWith(rt: Runtime, G: Generator, clip: ClipGuide, ws: Tensor, targetText: Tensor, sourceText: Tensor): Promise<number> {
  const features = rt.noGrad(() =>
    rt.tidy(() => {
      const images = G.synthesis(ws, { noiseMode: 'const' });
      return clip.model.encodeImage(preprocessGenerated(images, { size: clip.model.config.vision.imageSize }));
    }),
  );
  try {
    return scoreGap((await features.read()) as Float32Array, (await targetText.read()) as Float32Array, (await sourceText.read()) as Float32Array, clip.model.config.embedDim);
  } finally {
    features.dispose();
  }
}

/** Mean over images of cos(image, target) − cos(image, source); features [N·D], texts [D]. */
export function scoreGap(images: Float32Array, target: ArrayLike<number>, source: ArrayLike<number>, dim: number): number {
  if (images.length === 0 || images.length % dim !== 0) throw new Error(`scoreGap: ${images.length} values are not rows of ${dim}`);
  const unit = (v: ArrayLike<number>, at: number) => {
    let n = 0;
    for (let i = 0; i < dim; i++) n += v[at + i] ** 2;
    return Math.sqrt(n);
  };
  const nt = unit(target, 0);
  const ns = unit(source, 0);
  const rows = images.length / dim;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const ni = unit(images, r * dim);
    let dt = 0;
    let ds = 0;
    for (let i = 0; i < dim; i++) {
      dt += images[r * dim + i] * target[i];
      ds += images[r * dim + i] * source[i];
    }
    sum += dt / (ni * nt) - ds / (ni * ns);
  }
  return sum / rows;
}
