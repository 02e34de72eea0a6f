/**
 * Fresh weights for training from scratch, initialised as NVIDIA's networks initialise themselves
 * (stylegan2-ada-pytorch `training/networks.py`): every weight is N(0, 1) and the equalised
 * learning rate scales it at run time (FC weights are drawn as N(0, 1) / lr_multiplier, so the
 * mapping network's stored weights are N(0, 100) for its 0.01); biases start at 0 except the
 * affines' (bias_init 1, so styles start near 1); noise strengths start at 0; the constant input
 * and the constant noise maps are N(0, 1); w_avg starts at 0.
 *
 * Values come from one NumPy-compatible RandomState stream walked in state_dict order, so a seed
 * always gives the same network.
 */
import { type HostTensor, hostTensor } from '@stylegpu/io';
import { type DiscriminatorConfig, type GeneratorConfig, discriminatorShapes, generatorShapes } from '../checkpoint/config.js';
import { NumpyRandomState } from '../numpy-random.js';

type Init = { kind: 'randn'; scale: number } | { kind: 'fill'; value: number };

function generatorInit(name: string, lrMul: number): Init {
  if (name.endsWith('affine.bias')) return { kind: 'fill', value: 1 };
  if (name.startsWith('mapping.fc') && name.endsWith('.weight')) return { kind: 'randn', scale: 1 / lrMul };
  if (name.endsWith('.weight') || name.endsWith('.const') || name.endsWith('noise_const')) return { kind: 'randn', scale: 1 };
  // biases, noise_strength, w_avg
  return { kind: 'fill', value: 0 };
}

function build(shapes: Map<string, number[]>, initOf: (name: string) => Init, seed: number): Map<string, HostTensor> {
  const rng = new NumpyRandomState(seed);
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of shapes) {
    if (name.endsWith('resample_filter')) continue;
    const n = shape.reduce((a, b) => a * b, 1);
    const init = initOf(name);
    const data = new Float32Array(n);
    if (init.kind === 'fill') data.fill(init.value);
    else {
      const r = rng.randn(n);
      for (let i = 0; i < n; i++) data[i] = r[i] * init.scale;
    }
    out.set(name, hostTensor('f32', shape, data));
  }
  return out;
}

/** Freshly initialised generator weights for `config` (NVIDIA names), from `seed` (a 32-bit integer). */
export function initGeneratorWeights(config: GeneratorConfig, seed: number): Map<string, HostTensor> {
  const lrMul = config.mapping.lrMultiplier;
  return build(generatorShapes(config), (n) => generatorInit(n, lrMul), seed);
}

/** Freshly initialised discriminator weights: conv and FC weights N(0, 1), biases 0. */
export function initDiscriminatorWeights(config: DiscriminatorConfig, seed: number): Map<string, HostTensor> {
  return build(discriminatorShapes(config), (n) => (n.endsWith('.weight') ? { kind: 'randn', scale: 1 } : { kind: 'fill', value: 0 }), seed);
}
