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
 * Encodes `pixels` (CLIP input [N, 3, R, R]) and one tokenised prompt per class (`classTokens`
 * [K, context]), predicts each image's class and scores it against `labels` (class indices).
 */
export async function zeroShotClassify(model: ClipModel, pixels: Tensor, classTokens: Int32Array, labels: ArrayLike<number>): Promise<ZeroShotResult> {
  const K = classTokens.length / model.config.text.contextLength;
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
    const predictions = zeroShotPredict(imageFeatures, classFeatures, model.config.embedDim);
    return { predictions, accuracy: classificationAccuracy(predictions, labels) };
  } finally {
    image.dispose();
    text.dispose();
  }
}
