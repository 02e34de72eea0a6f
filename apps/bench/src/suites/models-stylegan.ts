/**
 * Model suite: the StyleGAN2 generator (NVIDIA stylegan2-ada-pytorch semantics, `@stylegpu/stylegan`)
 * on random weights of the real shapes, images/s and peak pool memory:
 *
 *  - FFHQ-256 as rosinality's `--size 256 --channel_multiplier 2` builds it (512 channels up to
 *    64 px, 256 at 128, 128 at 256; 8 mapping layers, no conv clamp; 14 ws), and
 *  - config-f at 1024 px (512 up to 64, then 256, 128, 64, 32; 18 ws),
 *
 * at batch 1 and 4, `forward` (z → image: mapping + synthesis, constant noise) and
 * `forward+backward` (ws → image → Σ image·g, gradient to ws only; generator weights frozen, as in
 * inversion and NADA's layer selection). Weights follow NVIDIA's initialisation (unit-normal conv and
 * affine weights, affine bias 1, mapping weights N(0, 1/lrMul²)), so activations have trained-model scale.
 *
 * Check before timing: no float64 generator at these sizes (minutes per image on the CPU); instead
 * at batch 4 the first image (or ∂/∂ws) must equal row 2 of a second batch-4 run on the same rows
 * rotated by two, to the kernels' tolerances (2e-5 of max |image|, 2e-4 of max |∂/∂ws|): wrong
 * per-sample strides or samples leaking into each other fail it. Not against a batch-1 run:
 * modulatedConv2d folds the styles into the weight at batch 1 and not on small images at batch 4,
 * and a rounding-level difference in the forward pass flips the leaky-ReLU slope wherever a
 * pre-activation lies that close to zero, which moves ∂/∂ws of the 512-channel layers by ~1e-3 of
 * its maximum (measured: bitwise equal with the fold disabled). At batch 1 (an extra run would
 * double the cost) the output must be finite and non-zero. One timed repeat: a 256-px image is ~45 s on lavapipe.
 *
 * FLOPs (for GFLOP/s): 2 × MACs counted as reference-semantics.md §4.4 does (3×3 modconvs, the
 * up-conv as a transposed conv at input resolution, ToRGB, affines, mapping; 45.1 GMAC at 256,
 * 74.3 at 1024 per image); forward+backward counts 3 × the synthesis forward.
 * Peak memory: the pool's high-water mark over one run (weights and kept inputs included).
 */
import {
  type Runtime,
  type Tensor,
  backward,
  concat,
  mul,
  randomNormal,
  slice,
  sum,
  zeroGrad,
} from '@stylegpu/kernels';
import { Generator, type GeneratorConfig, generatorShapes } from '@stylegpu/stylegan';
import { MiB, REL_TOL, compareBatches, finiteCheck, hostTensor, poolMetrics, randn } from './model-common.js';
import type { BenchCase, CaseInstance, CheckResult, ModelAnchorWork, RuntimeName, Suite } from './types.js';

const SUITE = 'models-stylegan';

function generatorConfig(resolution: number, channels: Record<string, number>): GeneratorConfig {
  return {
    zDim: 512,
    wDim: 512,
    cDim: 0,
    imgResolution: resolution,
    imgChannels: 3,
    numWs: 2 * Math.log2(resolution) - 2,
    mapping: { numLayers: 8, lrMultiplier: 0.01, layerFeatures: 512, embedFeatures: 0, wAvgBeta: 0.995 },
    synthesis: { channels, convClamp: null, architecture: 'skip', numFp16Res: 0 },
  };
}

/** Channels min(32768 / res, 512): config-f, and rosinality's channel_multiplier 2 up to 1024. */
function configFChannels(resolution: number): Record<string, number> {
  const ch: Record<string, number> = {};
  for (let r = 4; r <= resolution; r *= 2) ch[String(r)] = Math.min(32768 / r, 512);
  return ch;
}

export const STYLEGAN_MODELS = {
  'ffhq-256': generatorConfig(256, configFChannels(256)),
  'config-f-1024': generatorConfig(1024, configFChannels(1024)),
} as const satisfies Record<string, GeneratorConfig>;
export type StyleGanModelName = keyof typeof STYLEGAN_MODELS;

/** NVIDIA-initialised random weights for `config` (cached: the 1024-px set is 30 M floats). */
const weightCache = new Map<string, Map<string, ReturnType<typeof hostTensor>>>();
export function randomGeneratorWeights(name: string, config: GeneratorConfig, seed = 1): Map<string, ReturnType<typeof hostTensor>> {
  const key = `${name}/${seed}`;
  const hit = weightCache.get(key);
  if (hit) return hit;
  const out = new Map<string, ReturnType<typeof hostTensor>>();
  let s = seed * 1000;
  for (const [k, shape] of generatorShapes(config)) {
    if (k.endsWith('resample_filter')) continue;
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (k.endsWith('affine.bias')) data = new Float32Array(n).fill(1);
    else if (k.endsWith('.bias') || k === 'mapping.w_avg') data = new Float32Array(n);
    else if (k.endsWith('noise_strength')) data = new Float32Array(n).fill(0.1);
    else if (k.startsWith('mapping.fc')) data = randn(n, s++, 1 / config.mapping.lrMultiplier);
    else data = randn(n, s++);
    out.set(k, hostTensor(shape, data));
  }
  weightCache.set(key, out);
  return out;
}

/** Multiply-accumulates of one image: synthesis (as §4.4) and mapping. */
export function generatorMacs(config: GeneratorConfig): { synthesis: number; mapping: number } {
  let synthesis = 0;
  const ch = config.synthesis.channels;
  for (let r = 4; r <= config.imgResolution; r *= 2) {
    const co = ch[String(r)];
    if (r > 4) {
      const ci = ch[String(r / 2)];
      synthesis += ci * co * 9 * (r / 2) ** 2 + ci * config.wDim; // conv0 (transposed, input res) + affine
    }
    synthesis += co * co * 9 * r * r + co * config.wDim; // conv1 + affine
    synthesis += co * config.imgChannels * r * r + co * config.wDim; // ToRGB + affine
  }
  const m = config.mapping;
  let mapping = 0;
  for (let i = 0; i < m.numLayers; i++) mapping += (i === 0 ? config.zDim : m.layerFeatures) * (i === m.numLayers - 1 ? config.wDim : m.layerFeatures);
  return { synthesis, mapping };
}

export type GeneratorPass = 'forward' | 'forward+backward';

export function generatorCase(model: StyleGanModelName, batch: number, pass: GeneratorPass, maxRepeats = 1): BenchCase {
  const config = STYLEGAN_MODELS[model];
  const macs = generatorMacs(config);
  const flops = pass === 'forward' ? 2 * batch * (macs.synthesis + macs.mapping) : 3 * 2 * batch * macs.synthesis;
  const weightBytes = [...generatorShapes(config).values()].reduce((a, s) => a + 4 * s.reduce((x, y) => x * y, 1), 0);
  const imageBytes = 4 * batch * 3 * config.imgResolution ** 2;
  return {
    suite: SUITE,
    group: `stylegan2 ${model} ${pass} b${batch}`,
    name: `stylegan2 ${model} ${pass} b${batch}`,
    params: { model, resolution: config.imgResolution, batch, pass, numWs: config.numWs },
    flops,
    bytes: weightBytes + imageBytes,
    maxRepeats,
    setup: ({ rt }) => setupGenerator(rt, model, batch, pass),
  };
}

function setupGenerator(rt: Runtime, model: StyleGanModelName, batch: number, pass: GeneratorPass): CaseInstance {
  const config = STYLEGAN_MODELS[model];
  const G = Generator.fromWeights(rt, config, randomGeneratorWeights(model, config));
  G.setTrainable(() => false);
  // z for the batch; the check's second run takes the same rows rotated by two.
  const z = rt.keep(randomNormal(rt, [batch, config.zDim], { seed: 7, offset: 0 }));
  const ws = rt.keep(rt.noGrad(() => rt.tidy(() => G.mapping(z))));
  const g = rt.keep(randomNormal(rt, [batch, 3, config.imgResolution, config.imgResolution], { seed: 8, offset: 0 }));
  const shift = Math.floor(batch / 2);
  // Without recording: the rotated ws must be a leaf of its own, not a view into ws's graph.
  const rotated = (t: Tensor): Tensor =>
    rt.noGrad(() => rt.tidy(() => rt.keep(concat([slice(t, [[shift, batch]]), slice(t, [[0, shift]])], 0))));
  ws.requiresGrad = pass === 'forward+backward';
  let last: Tensor | null = null;
  let peak: Record<string, number> = {};

  /** One run at batch n on (z, ws, g); returns the image (forward) or ∂(Σ image·g)/∂ws (backward), kept. */
  const runOn = (zs: Tensor, wss: Tensor, gs: Tensor): Tensor => {
    if (pass === 'forward') return rt.noGrad(() => rt.tidy(() => G.forward(zs, { noiseMode: 'const' })));
    zeroGrad([wss]);
    rt.tidy(() => {
      const img = G.synthesis(wss, { noiseMode: 'const' });
      backward(sum(mul(img, gs)));
    });
    return wss.grad!;
  };

  const readRow = async (t: Tensor, r: number): Promise<Float32Array> => {
    const row = rt.tidy(() => rt.keep(slice(t, [[r, r + 1]])));
    try {
      return (await row.read()) as Float32Array;
    } finally {
      row.dispose();
    }
  };
  // Forward outputs are ours to dispose; a backward's output is ws.grad, which zeroGrad disposes.
  const release = (out: Tensor | null): void => {
    if (out && pass === 'forward') out.dispose();
  };
  return {
    run() {
      release(last);
      rt.pool.resetPeak();
      last = runOn(z, ws, g);
      peak = poolMetrics(rt);
    },
    async check(): Promise<CheckResult> {
      if (batch === 1) return finiteCheck((await last!.read()) as Float32Array);
      const got = await readRow(last!, 0);
      const [z2, ws2, g2] = [z, ws, g].map(rotated);
      ws2.requiresGrad = pass === 'forward+backward';
      try {
        const out = runOn(z2, ws2, g2);
        const want = await readRow(out, batch - shift);
        release(out);
        return compareBatches(got, want, pass === 'forward' ? REL_TOL.forward : REL_TOL.backward);
      } finally {
        zeroGrad([ws2]);
        for (const t of [z2, ws2, g2]) t.dispose();
      }
    },
    metrics: () => ({ ...peak, weightsMiB: weightMiB(G) }),
    dispose() {
      release(last);
      zeroGrad([ws]);
      for (const t of [z, ws, g]) t.dispose();
      G.dispose();
    },
  };
}

function weightMiB(G: Generator): number {
  return G.parameters().reduce((a, t) => a + 4 * t.size, 0) / MiB;
}

export const stylegan2Suite: Suite = {
  name: SUITE,
  description:
    'StyleGAN2 generator on random weights of the real shapes (FFHQ-256 rosinality ×2, config-f 1024): images/s and peak pool memory, forward (z → image) and forward + backward to ws, batch 1 and 4.',
  cases(runtime: RuntimeName, quick: boolean) {
    const skipped: string[] = [];
    if (runtime === 'browser') {
      return { cases: [], skipped: ['the generator is not run in Chromium: SwiftShader is ~10× slower than lavapipe, so one 256-px image (≈90 GFLOP) would take minutes'] };
    }
    const cases: BenchCase[] = [];
    for (const pass of ['forward', 'forward+backward'] as const) {
      for (const batch of quick ? [1] : [1, 4]) cases.push(generatorCase('ffhq-256', batch, pass));
    }
    if (quick) skipped.push('config-f-1024: left out of --quick (≈150 GFLOP per image, tens of seconds each on lavapipe)');
    else {
      // Batch 4 at 1024 px: the generator splits the batch where a tensor would pass the 128 MiB binding limit.
      for (const pass of ['forward', 'forward+backward'] as const) for (const batch of [1, 4]) cases.push(generatorCase('config-f-1024', batch, pass));
    }
    return { cases, skipped };
  },
  torchAnchors(quick: boolean): ModelAnchorWork[] {
    return stylegan2Suite.cases('node', quick).cases.map((c) => {
      const config = STYLEGAN_MODELS[c.params.model as StyleGanModelName];
      return { suite: SUITE, group: c.group, kind: 'stylegan', flops: c.flops, bytes: c.bytes, batch: Number(c.params.batch), resolution: config.imgResolution, pass: String(c.params.pass), channels: config.synthesis.channels };
    });
  },
};
