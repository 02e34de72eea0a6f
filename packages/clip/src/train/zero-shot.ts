/**
 * Zero-shot classification as in the CLIP paper: each class is a prompt ("a photo of a circle"),
 * an image is assigned the class whose text embedding has the highest cosine similarity with its
 * image embedding. The scoring runs in float64 on the CPU on features read back once; the model
 * only encodes.
 */
import { formatShape, type Tensor } from '@stylegpu/kernels';
import type { ClipModel } from '../model/index.js';

/** Index of the most similar class (cosine) for each image; ties go to the first class. */
export function zeroShotPredict(imageFeatures: ArrayLike<number>, classFeatures: ArrayLike<number>, embedDim: number): Int32Array {
  if (!Number.isInteger(embedDim) || embedDim < 1) throw new Error(`zeroShotPredict: embedDim must be a positive integer, got ${embedDim}`);
  for (const [what, f] of [['image', imageFeatures], ['class', classFeatures]] as const) {
    if (f.length === 0 || f.length % embedDim !== 0) {
      throw new Error(`zeroShotPredict: ${f.length} ${what} feature values do not make rows of ${embedDim} (expected [N, ${embedDim}])`);
    }
  }
  const unit = (f: ArrayLike<number>): Float64Array[] => {
    const rows: Float64Array[] = [];
    for (let r = 0; r < f.length / embedDim; r++) {
      const row = Float64Array.from({ length: embedDim }, (_, i) => f[r * embedDim + i]);
      const norm = Math.hypot(...row);
      if (!(norm > 0)) throw new Error(`zeroShotPredict: feature row ${r} has norm ${norm}; cannot take its cosine`);
      rows.push(row.map((v) => v / norm));
    }
    return rows;
  };
  const images = unit(imageFeatures);
  const classes = unit(classFeatures);
  return Int32Array.from(images, (img) => {
    let best = 0;
    let bestScore = -Infinity;
    classes.forEach((c, k) => {
      let dot = 0;
      for (let i = 0; i < embedDim; i++) dot += img[i] * c[i];
      if (dot > bestScore) (best = k), (bestScore = dot);
    });
    return best;
  });
}

/**
 * Prompt ensembling (the CLIP paper's §3.1.4): a class described by P prompts is the mean of their
 * unit-length text features. `textFeatures` holds K·P rows, the P prompts of class 0 first.
 */
export function ensembleClassFeatures(textFeatures: ArrayLike<number>, promptsPerClass: number, embedDim: number): Float64Array {
  const P = promptsPerClass;
  const rows = textFeatures.length / embedDim;
  if (!Number.isInteger(P) || P < 1 || !Number.isInteger(rows) || rows === 0 || rows % P !== 0) {
    throw new Error(`ensembleClassFeatures: ${textFeatures.length} values are not K classes × ${P} prompts × ${embedDim} features`);
  }
  const out = new Float64Array((rows / P) * embedDim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let i = 0; i < embedDim; i++) norm += textFeatures[r * embedDim + i] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) throw new Error(`ensembleClassFeatures: text feature row ${r} has norm ${norm}`);
    const k = Math.floor(r / P);
    for (let i = 0; i < embedDim; i++) out[k * embedDim + i] += textFeatures[r * embedDim + i] / norm / P;
  }
  return out;
}

/** Fraction of predictions equal to their labels. */
export function classificationAccuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length || labels.length === 0) {
    throw new Error(`classificationAccuracy: ${predictions.length} predictions for ${labels.length} labels (expected as many, at least one)`);
  }
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) right++;
  return right / labels.length;
}

export interface ZeroShotResult {
  /** Predicted class per image. */
  predictions: Int32Array;
  accuracy: number;
}

/**
 * Encodes `pixels` (CLIP input [N, 3, R, R]) and the tokenised prompts of each class
 * (`classTokens` [K·P, context], P = `promptsPerClass` prompts per class, class 0's first, ensembled
 * by `ensembleClassFeatures`), predicts each image's class and scores it against `labels`.
 */
export async function zeroShotClassify(
  model: ClipModel,
  pixels: Tensor,
  classTokens: Int32Array,
  labels: ArrayLike<number>,
  promptsPerClass = 1,
): Promise<ZeroShotResult> {
  const prompts = classTokens.length / model.config.text.contextLength;
  if (!Number.isInteger(promptsPerClass) || promptsPerClass < 1 || prompts % promptsPerClass !== 0) {
    throw new Error(`zeroShotClassify: ${prompts} prompts do not make classes of ${promptsPerClass} prompts each`);
  }
  const K = prompts / promptsPerClass;
  if (labels.length !== pixels.shape[0]) {
    throw new Error(`zeroShotClassify: ${labels.length} labels for images ${formatShape(pixels.shape)}; pass one label per image`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= K) {
      throw new Error(`zeroShotClassify: label ${labels[i]} of image ${i} is not a class index in [0, ${K})`);
    }
  }
  const rt = model.rt;
  const [image, text] = rt.noGrad(() => [model.encodeImage(pixels), model.encodeText(classTokens)]);
  try {
    const [imageFeatures, classFeatures] = await Promise.all([image.read(), text.read()]);
    const E = model.config.embedDim;
    const predictions = zeroShotPredict(imageFeatures, ensembleClassFeatures(classFeatures, promptsPerClass, E), E);
    return { predictions, accuracy: classificationAccuracy(predictions, labels) };
  } finally {
    image.dispose();
    text.dispose();
  }
}
