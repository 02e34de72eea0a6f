/**
 * `initClipWeights(config, seed)`: a freshly initialised CLIP ViT as an OpenAI-named state dict
 * (the names and shapes `clipWeightShapes` lists), for training from scratch. The distributions are
 * those of OpenAI's clip/model.py (read for semantics):
 *
 *   token_embedding                N(0, 0.02²)            positional_embedding (text)  N(0, 0.01²)
 *   text_projection                N(0, width⁻¹)          logit_scale                  ln(1/0.07)
 *   text blocks (initialize_parameters):
 *     attn.in_proj_weight          N(0, width⁻¹)          attn.out_proj.weight         N(0, proj²)
 *     mlp.c_fc.weight              N(0, 1/(2·width))      mlp.c_proj.weight            N(0, proj²)
 *     with proj = width^-½ · (2·layers)^-½
 *   visual (VisionTransformer.__init__, scale = width^-½):
 *     class_embedding, positional_embedding, proj   scale · N(0, 1)
 *     conv1.weight                 torch's Conv2d default: U(±1/√(3·p²))
 *   visual blocks: torch's module defaults (initialize_parameters leaves them alone):
 *     attn.in_proj_weight          Xavier-uniform U(±√(6/(width + 3·width)))
 *     attn.out_proj.weight         U(±1/√width)           mlp.c_fc.weight    U(±1/√width)
 *     mlp.c_proj.weight            U(±1/√mlp)
 *   every block (both towers): in_proj_bias and out_proj.bias 0 (MultiheadAttention's reset),
 *     c_fc.bias U(±1/√width), c_proj.bias U(±1/√mlp) (nn.Linear's default bias)
 *   every LayerNorm: weight 1, bias 0.
 *
 * Weights are drawn in `clipWeightShapes` order from one seeded stream, so a seed fixes the model.
 */
import type { HostTensor } from '@stylegpu/io';
import { checkClipConfig, clipWeightShapes, type ClipConfig } from '../checkpoint/index.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';

/** OpenAI's initial logit scale, ln(1/0.07): logits start at ≈14.3 · cosine. */
export const CLIP_LOGIT_SCALE_INIT = Math.log(1 / 0.07);

type Init = { kind: 'normal'; std: number } | { kind: 'uniform'; bound: number } | { kind: 'constant'; value: number };

const normal = (std: number): Init => ({ kind: 'normal', std });
const uniform = (bound: number): Init => ({ kind: 'uniform', bound });
const constant = (value: number): Init => ({ kind: 'constant', value });

/** How one weight is drawn, by its OpenAI name. */
function initFor(name: string, config: ClipConfig): Init {
  const { vision: v, text: t } = config;
  const block = /^(visual\.)?transformer\.resblocks\.\d+\.(.+)$/.exec(name);
  if (block) {
    const visual = block[1] !== undefined;
    const tower = visual ? v : t;
    const d = tower.width;
    const projStd = d ** -0.5 * (2 * tower.layers) ** -0.5;
    switch (block[2]) {
      case 'ln_1.weight':
      case 'ln_2.weight':
        return constant(1);
      case 'ln_1.bias':
      case 'ln_2.bias':
      case 'attn.in_proj_bias':
      case 'attn.out_proj.bias':
        return constant(0);
      case 'attn.in_proj_weight':
        return visual ? uniform(Math.sqrt(6 / (d + 3 * d))) : normal(d ** -0.5);
      case 'attn.out_proj.weight':
        return visual ? uniform(1 / Math.sqrt(d)) : normal(projStd);
      case 'mlp.c_fc.weight':
        return visual ? uniform(1 / Math.sqrt(d)) : normal((2 * d) ** -0.5);
      case 'mlp.c_fc.bias':
        return uniform(1 / Math.sqrt(d));
      case 'mlp.c_proj.weight':
        return visual ? uniform(1 / Math.sqrt(tower.mlpWidth)) : normal(projStd);
      case 'mlp.c_proj.bias':
        return uniform(1 / Math.sqrt(tower.mlpWidth));
    }
  }
  const visualScale = v.width ** -0.5;
  switch (name) {
    case 'token_embedding.weight':
      return normal(0.02);
    case 'positional_embedding':
      return normal(0.01);
    case 'text_projection':
      return normal(t.width ** -0.5);
    case 'logit_scale':
      return constant(CLIP_LOGIT_SCALE_INIT);
    case 'visual.class_embedding':
    case 'visual.positional_embedding':
    case 'visual.proj':
      return normal(visualScale);
    case 'visual.conv1.weight':
      return uniform(1 / Math.sqrt(3 * v.patchSize * v.patchSize));
    case 'visual.ln_pre.weight':
    case 'visual.ln_post.weight':
    case 'ln_final.weight':
      return constant(1);
    case 'visual.ln_pre.bias':
    case 'visual.ln_post.bias':
    case 'ln_final.bias':
      return constant(0);
  }
  // clipWeightShapes and this table list the same names; a new weight there must get a rule here.
  throw new Error(`initClipWeights: no initialisation rule for '${name}'`);
}

function draw(init: Init, n: number, rng: SeededRandom): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = init.kind === 'constant' ? init.value : init.kind === 'normal' ? init.std * rng.normal() : init.bound * (2 * rng.uniform() - 1);
  }
  return out;
}

/** A complete OpenAI-named f32 state dict for `config`, initialised as OpenAI's CLIP, fixed by `seed`. */
export function initClipWeights(config: ClipConfig, seed: number): Map<string, HostTensor> {
  checkClipConfig(config, 'initClipWeights');
  const rng = seededRandom(seed);
  const weights = new Map<string, HostTensor>();
  for (const [name, shape] of clipWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    weights.set(name, { dtype: 'f32', shape: [...shape], data: draw(initFor(name, config), n, rng) });
  }
  return weights;
}
