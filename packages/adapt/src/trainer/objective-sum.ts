/**
 * The one place adapt adds loss terms up, and so the one place it sums over CLIP models
 * (NadaTrainer's step and its adaptive layer selection, StyleDomain runs, MapperTrainer).
 *
 * Terms are added in list order, except that each run of consecutive CLIP objectives is added model
 * by model, as NADA's `Σ_m clip_model_weights[m] · CLIPLoss_m` sums each model's own terms:
 *
 *   [direction, global, offsets_l2]          →  dir₀ + glob₀ + dir₁ + glob₁ + off
 *   [latent_l2, global, embedding_norm]      →  l2 + glob₀ + norm₀ + glob₁        (the mapper's)
 *
 * A `clip` term is (term · objective weight) · model weight; a `first-clip` term (first model only)
 * term · objective weight; a `model` term term · objective weight. Objectives of weight 0 and models
 * of weight 0 are skipped (never run). A factor of exactly 1 is not multiplied (x · 1 is x in
 * floating point, so the sums are bit for bit those of multiplying).
 */
import { type Tensor, add, mulScalar } from '@stylegpu/kernels';
import { preprocessGenerated } from '@stylegpu/clip';
import type { ClipContext, Objective, ObjectiveNeed, StepContext, TrainerClip } from './objective.js';

/** A CLIP model's texts for one trainer: what `ClipContext` carries besides the images. */
export type ClipTexts = Pick<ClipContext, 'targetText' | 'direction' | 'classTexts'>;

export interface ObjectiveSum {
  /** The step's loss (a one-element tensor, with gradient). */
  total: Tensor;
  /** Each weighted term, in the order it was added, and its name (e.g. 'global CLIP loss of CLIP model a'). */
  terms: Array<{ name: string; value: Tensor }>;
}

/** Σ of the weighted terms for one step (see the file comment for the order). */
export function sumObjectives(
  objectives: readonly Objective[],
  clips: readonly TrainerClip[],
  step: StepContext,
  textsOf: (clip: TrainerClip, index: number) => ClipTexts,
): ObjectiveSum {
  const terms: ObjectiveSum['terms'] = [];
  let total: Tensor | null = null;
  const addTerm = (name: string, value: Tensor) => {
    terms.push({ name, value });
    total = total ? add(total, value) : value;
  };
  for (let i = 0; i < objectives.length; ) {
    const first = objectives[i];
    if (first.kind === 'model') {
      if (first.weight) addTerm(first.label, weigh(first.fn(step), first.weight));
      i++;
      continue;
    }
    let end = i;
    while (end < objectives.length && objectives[end].kind !== 'model') end++;
    const run = objectives.slice(i, end).filter((o) => o.weight);
    i = end;
    clips.forEach((c, m) => {
      if (c.weight === 0 || !run.some((o) => o.kind === 'clip' || m === 0)) return;
      const ctx = clipContext(step, c, m, textsOf(c, m));
      for (const o of run) {
        if (o.kind === 'clip') addTerm(`${o.label} of CLIP model ${c.name}`, weigh(weigh(o.fn(ctx), o.weight), c.weight));
        else if (o.kind === 'first-clip' && m === 0) addTerm(`${o.label} of CLIP model ${c.name}`, weigh(o.fn(ctx), o.weight));
      }
    });
  }
  if (!total) throw new Error('sumObjectives: no term to add (every objective weight, or every CLIP model weight, is zero)');
  return { total, terms };
}

/** One CLIP model's view of the step: embeddings memoised per key, the target's encoded up front. */
function clipContext(step: StepContext, clip: TrainerClip, clipIndex: number, texts: ClipTexts): ClipContext {
  const size = clip.model.config.vision.imageSize;
  const embs = new Map<string, Tensor>();
  const encode = (key: string, image: () => Tensor) => {
    let e = embs.get(key);
    if (!e) embs.set(key, (e = clip.model.encodeImage(preprocessGenerated(image(), { size }))));
    return e;
  };
  return {
    ...step,
    ...texts,
    clip,
    clipIndex,
    sourceEmb: () => step.rt.noGrad(() => encode('source', () => step.source())),
    targetEmb: encode('target', () => step.target),
    encode,
  };
}

function weigh(term: Tensor, factor: number): Tensor {
  return factor === 1 ? term : mulScalar(term, factor);
}

/** What each optional context part is, for refusals. */
const NEED_DESCRIPTIONS: Record<ObjectiveNeed, string> = {
  direction: 'a target direction (NadaTrainer: a target class or target images)',
  'class-texts': 'the source and target class text embeddings (a text target, not target images)',
  'one-shot': 'a one-shot style image and its latent (oneShot)',
  parameterisation: 'a parameterisation (NadaTrainer)',
  'latent-delta': "a latent mapper's M(w) (MapperTrainer)",
};

/** Refuses objectives that read a context part this trainer does not provide, naming them and the part. */
export function checkObjectiveNeeds(trainer: string, objectives: readonly Objective[], provided: ReadonlySet<ObjectiveNeed>): void {
  for (const need of Object.keys(NEED_DESCRIPTIONS) as ObjectiveNeed[]) {
    if (provided.has(need)) continue;
    const names = objectives.filter((o) => o.needs?.includes(need)).map((o) => o.name);
    if (names.length) {
      const [noun, verb] = names.length > 1 ? ['objectives', 'need'] : ['objective', 'needs'];
      throw new Error(`${trainer}: the ${noun} ${names.join(', ')} ${verb} ${NEED_DESCRIPTIONS[need]}`);
    }
  }
}

/** The first term that is not finite (one readback per term; only called once the total is not finite). */
export async function firstNonFiniteTerm(terms: ObjectiveSum['terms']): Promise<{ name: string; value: number } | null> {
  for (const t of terms) {
    const v = await t.value.item();
    if (!Number.isFinite(v)) return { name: t.name, value: v };
  }
  return null;
}
