/**
 * Loss names (StyleDomain's config names) → objectives. A new loss: its file in `losses/` and one
 * entry here. Unlike StyleDomain's BaseLoss (which silently skips names it does not know, so a
 * typo such as `l2_rec` trains without that term), an unknown name is an error.
 */
import { add } from '@stylegpu/kernels';
import { directionalClipLoss } from '../losses/directional-clip-loss.js';
import { globalClipLoss } from '../losses/global-clip-loss.js';
import { inDomainAngleLoss } from '../losses/indomain-angle-loss.js';
import { ttDirectionLoss } from '../losses/tt-direction-loss.js';
import { clipWithinLoss } from '../losses/clip-within-loss.js';
import { clipRefLoss } from '../losses/clip-ref-loss.js';
import { l2ReconstructionLoss } from '../losses/l2-reconstruction-loss.js';
import { offsetL1Loss } from '../losses/offset-l1-loss.js';
import { offsetL2Loss } from '../losses/offset-l2-loss.js';
import { manifoldAngleLoss } from '../losses/manifold-angle-loss.js';
import { embeddingNormLoss, latentL2Loss } from '../latent-mapper.js';
import type { Objective, StepContext } from './objective.js';

/** An objective without its name and weight (each kind of the union keeps its own `fn`). */
type Entry = Objective extends infer O ? (O extends Objective ? Omit<O, 'name' | 'weight'> : never) : never;

// `needs` makes the trainer refuse a missing part when it is built; these throws only guard a
// context assembled by hand.
const styleImage = (ctx: StepContext) => {
  if (!ctx.oneShot) throw new Error('objective: needs a one-shot style image and its latent (oneShot)');
  return ctx.oneShot.image;
};
const need = <T>(part: T | undefined, what: string): T => {
  if (part === undefined) throw new Error(`objective: this trainer provides no ${what}`);
  return part;
};

export const OBJECTIVES: Record<string, Entry> = {
  // NADA's directional loss; at step 0 the images are equal and the official code re-encodes I_tgt + 1e-6.
  direction: {
    kind: 'clip',
    label: 'directional CLIP loss',
    needs: ['direction'],
    fn: (c) => {
      const nudged = c.step === 0 ? c.encode('target+1e-6', () => add(c.target, c.rt.tensor([1e-6], [1]))) : undefined;
      return directionalClipLoss(c.sourceEmb(), c.targetEmb, need(c.direction, 'target direction'), { nudgedTarget: nudged });
    },
  },
  global: { kind: 'clip', label: 'global CLIP loss', fn: (c) => globalClipLoss(c.targetEmb, c.targetText) },
  indomain: { kind: 'clip', label: 'in-domain angle loss', fn: (c) => inDomainAngleLoss(c.sourceEmb(), c.targetEmb) },
  // NADA's --lambda_manifold term (`CLIPLoss.clip_angle_loss`), on the classes' template-averaged embeddings.
  manifold: {
    kind: 'clip',
    label: 'manifold-angle loss',
    needs: ['class-texts'],
    fn: (c) => {
      const t = need(c.classTexts, 'class text embeddings');
      return manifoldAngleLoss(c.sourceEmb(), c.targetEmb, t.source, t.target);
    },
  },
  tt_direction: {
    kind: 'clip',
    label: 'target-target direction loss',
    // Single-domain runs share one target: the loss refuses that with its own message.
    fn: (c) => ttDirectionLoss(c.targetEmb, c.targetText),
  },
  clip_within: {
    kind: 'clip',
    label: 'within-domain CLIP loss',
    needs: ['one-shot'],
    fn: (c) =>
      clipWithinLoss(
        c.targetEmb,
        c.rt.noGrad(() => c.encode('style', () => styleImage(c))),
        c.sourceEmb(),
        c.rt.noGrad(() => c.encode('style source', () => c.styleSource())),
      ),
  },
  clip_ref: {
    kind: 'clip',
    label: 'reference CLIP loss',
    needs: ['one-shot'],
    fn: (c) => clipRefLoss(c.encode('style target', () => c.styleTarget()), c.rt.noGrad(() => c.encode('style', () => styleImage(c)))),
  },
  l2_rec: { kind: 'model', label: 'L2 reconstruction loss', needs: ['one-shot'], fn: (c) => l2ReconstructionLoss(c.styleTarget(), styleImage(c)) },
  offsets_l1: { kind: 'model', label: 'offset L1 regulariser', needs: ['parameterisation'], fn: (c) => offsetL1Loss(need(c.parameterisation, 'parameterisation').offsets()) },
  offsets_l2: { kind: 'model', label: 'offset L2 regulariser', needs: ['parameterisation'], fn: (c) => offsetL2Loss(need(c.parameterisation, 'parameterisation').offsets()) },
  // The latent mapper's (coach.py): MSE(ŵ, w), and the norms of the first CLIP model's embeddings before and after the edit.
  latent_l2: { kind: 'model', label: 'latent L2 loss', needs: ['latent-delta'], fn: (c) => latentL2Loss(need(c.latentDelta, 'latent mapper delta')) },
  embedding_norm: { kind: 'first-clip', label: 'embedding-norm loss', fn: (c) => embeddingNormLoss(c.sourceEmb(), c.targetEmb) },
};

export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES);

/** Objectives from (name, weight) pairs, e.g. StyleDomain's `direction: 1.0, indomain: 0.25`. */
export function buildObjectives(specs: ReadonlyArray<{ name: string; weight: number }>): Objective[] {
  if (!specs.length) throw new Error(`buildObjectives: no losses given; known losses: ${OBJECTIVE_NAMES.join(', ')}`);
  return specs.map(({ name, weight }) => {
    const e = OBJECTIVES[name];
    if (!e || !Object.hasOwn(OBJECTIVES, name)) throw new Error(`unknown loss '${name}'; known losses: ${OBJECTIVE_NAMES.join(', ')}`);
    if (!Number.isFinite(weight)) throw new Error(`loss '${name}': the weight must be a finite number, got ${weight}`);
    return { name, weight, ...e } as Objective;
  });
}

/** "direction=1,indomain=0.25" → specs (the CLI's --losses). */
export function parseObjectiveList(text: string): Array<{ name: string; weight: number }> {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const [name, w, extra] = item.split('=');
      const weight = w === undefined ? 1 : Number(w);
      if (extra !== undefined || !name || (w !== undefined && (w.trim() === '' || !Number.isFinite(weight)))) {
        throw new Error(`losses: cannot read '${item}'; write name=weight, e.g. direction=1,indomain=0.25`);
      }
      return { name: name.trim(), weight };
    });
}

/** NADA's two terms: direction (λ_dir) then global (λ_global), the order the official loss sums them. */
export function nadaObjectives(o: { lambdaDirection: number; lambdaGlobal: number }): Objective[] {
  return buildObjectives([
    { name: 'direction', weight: o.lambdaDirection },
    { name: 'global', weight: o.lambdaGlobal },
  ]);
}

/** The latent mapper's three terms, in the order MapperTrainer has always added them: latent L2, CLIP (global), embedding norm. */
export function mapperObjectives(o: { latentL2Lambda: number; clipLambda: number; normLambda: number }): Objective[] {
  return buildObjectives([
    { name: 'latent_l2', weight: o.latentL2Lambda },
    { name: 'global', weight: o.clipLambda },
    { name: 'embedding_norm', weight: o.normLambda },
  ]);
}
