/**
 * Model suite: CLIP ViT-B/32's image encoder (OpenAI clip/model.py semantics, `@stylegpu/clip`) on
 * random weights of the real shapes (width 768, 12 layers, 12 heads, patch 32, 224 px, embed 512),
 * images/s and peak pool memory at batch 1, 8 and 32: `forward` (pixels → features) and
 * `forward+backward` (∂(Σ features·g)/∂pixels with the weights frozen — NADA's path from the loss to
 * the generator). The text tower is uploaded as zeros (never run here; `ClipModel` wants every weight).
 *
 * Check before timing: at batch > 1 the first row must equal the same pixels at batch 1 (2e-5 of
 * max |features|, 2e-4 of max |∂/∂pixels|); at batch 1 the output must be finite and non-zero.
 * FLOPs: 2 × MACs of the tower (patch conv, 12 blocks at 50 tokens, projection; 4.41 GMAC per
 * image as reference-semantics.md counts it); forward+backward to pixels counts 2 × forward (the
 * input gradient of every matmul; no weight gradients).
 * Chromium is skipped: on SwiftShader (~10× slower than lavapipe) one image is tens of seconds.
 */
import { type Runtime, type Tensor, backward, mul, randomNormal, slice, sum, zeroGrad } from '@stylegpu/kernels';
import { type ClipConfig, ClipModel, clipWeightShapes } from '@stylegpu/clip';
import { MiB, REL_TOL, compareBatches, finiteCheck, hostTensor, poolMetrics, randn } from './model-common.js';
import type { BenchCase, CaseInstance, CheckResult, ModelAnchorWork, RuntimeName, Suite } from './types.js';

const SUITE = 'models-clip';

export const VIT_B_32: ClipConfig = {
  embedDim: 512,
  vision: { width: 768, layers: 12, heads: 12, mlpWidth: 3072, activation: 'quick_gelu', layerNormEps: 1e-5, patchSize: 32, imageSize: 224 },
  text: { width: 512, layers: 12, heads: 8, mlpWidth: 2048, activation: 'quick_gelu', layerNormEps: 1e-5, contextLength: 77, vocabSize: 49408 },
};

/** Random weights (std 1/√fan-in, LayerNorm 1/0, biases 0); the text tower zeros unless `withText`; cached. */
const weightCache = new Map<string, Map<string, ReturnType<typeof hostTensor>>>();
export function randomClipWeights(withText = false, config: ClipConfig = VIT_B_32): Map<string, ReturnType<typeof hostTensor>> {
  const key = `${withText ? 'text' : 'vision'}/${config.text.layers}`;
  const hit = weightCache.get(key);
  if (hit) return hit;
  const out = new Map<string, ReturnType<typeof hostTensor>>();
  let seed = 100;
  for (const [k, shape] of clipWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (!withText && !k.startsWith('visual.')) data = new Float32Array(n);
    else if (k === 'logit_scale') data = new Float32Array([Math.log(100)]);
    else if (/ln_\w+\.weight$/.test(k)) data = new Float32Array(n).fill(1);
    else if (k === 'token_embedding.weight' || k.endsWith('positional_embedding')) data = randn(n, seed++, 0.02);
    else if (k.endsWith('bias')) data = new Float32Array(n);
    else {
      const fanIn = k === 'visual.conv1.weight' ? shape[1] * shape[2] * shape[3] : k === 'visual.proj' || k === 'text_projection' ? shape[0] : shape[shape.length - 1];
      data = randn(n, seed++, 1 / Math.sqrt(fanIn));
    }
    out.set(k, hostTensor(shape, data));
  }
  weightCache.set(key, out);
  return out;
}

/** Multiply-accumulates of one image through the ViT image tower. */
export function visionMacs(config: ClipConfig): number {
  const v = config.vision;
  const grid = v.imageSize / v.patchSize;
  const L = grid * grid + 1;
  const w = v.width;
  const block = 4 * L * w * w + 2 * L * L * w + 2 * L * w * v.mlpWidth;
  return grid * grid * w * 3 * v.patchSize ** 2 + v.layers * block + w * config.embedDim;
}

export type ClipPass = 'forward' | 'forward+backward';

export function clipCase(batch: number, pass: ClipPass): BenchCase {
  const macs = visionMacs(VIT_B_32);
  const weightBytes = [...clipWeightShapes(VIT_B_32)].filter(([k]) => k.startsWith('visual.')).reduce((a, [, s]) => a + 4 * s.reduce((x, y) => x * y, 1), 0);
  return {
    suite: SUITE,
    group: `clip vit-b32 image ${pass} b${batch}`,
    name: `clip vit-b32 image ${pass} b${batch}`,
    params: { model: 'ViT-B/32', batch, pass },
    flops: (pass === 'forward' ? 2 : 4) * batch * macs,
    bytes: weightBytes + 4 * batch * 3 * 224 * 224,
    maxRepeats: 3,
    setup: ({ rt }) => setupClip(rt, batch, pass),
  };
}

function setupClip(rt: Runtime, batch: number, pass: ClipPass): CaseInstance {
  const model = ClipModel.fromWeights(rt, VIT_B_32, randomClipWeights());
  const R = VIT_B_32.vision.imageSize;
  const pixels = rt.keep(randomNormal(rt, [batch, 3, R, R], { seed: 9, offset: 0 }));
  const g = rt.keep(randomNormal(rt, [batch, VIT_B_32.embedDim], { seed: 10, offset: 0 }));
  pixels.requiresGrad = pass === 'forward+backward';
  let last: Tensor | null = null;
  let peak: Record<string, number> = {};

  const runOn = (px: Tensor, gs: Tensor): Tensor => {
    if (pass === 'forward') return rt.noGrad(() => model.encodeImage(px));
    zeroGrad([px]);
    rt.tidy(() => backward(sum(mul(model.encodeImage(px), gs))));
    return px.grad!;
  };
  const release = (t: Tensor | null): void => {
    if (t && pass === 'forward') t.dispose();
  };
  const readFirst = async (t: Tensor): Promise<Float32Array> => {
    const row = rt.tidy(() => rt.keep(slice(t, [[0, 1]])));
    try {
      return (await row.read()) as Float32Array;
    } finally {
      row.dispose();
    }
  };
  return {
    run() {
      release(last);
      rt.pool.resetPeak();
      last = runOn(pixels, g);
      peak = poolMetrics(rt);
    },
    async check(): Promise<CheckResult> {
      if (batch === 1) return finiteCheck((await last!.read()) as Float32Array);
      // Copies made without recording: px1 must be a leaf of its own, not a view into pixels' graph.
      const px1 = rt.keep(rt.noGrad(() => rt.tidy(() => slice(pixels, [[0, 1]]))));
      const g1 = rt.keep(rt.noGrad(() => rt.tidy(() => slice(g, [[0, 1]]))));
      px1.requiresGrad = pass === 'forward+backward';
      try {
        const got = await readFirst(last!);
        const out = runOn(px1, g1);
        const want = (await out.read()) as Float32Array;
        release(out);
        return compareBatches(got, want, pass === 'forward' ? REL_TOL.forward : REL_TOL.backward);
      } finally {
        zeroGrad([px1]);
        px1.dispose();
        g1.dispose();
      }
    },
    metrics: () => ({ ...peak, weightsMiB: [...model.parameters().values()].reduce((a, t) => a + 4 * t.size, 0) / MiB }),
    dispose() {
      release(last);
      zeroGrad([pixels]);
      pixels.dispose();
      g.dispose();
      model.dispose();
    },
  };
}

export const clipSuite: Suite = {
  name: SUITE,
  description: 'CLIP ViT-B/32 image encoder on random weights of the real shapes: images/s and peak pool memory, forward and forward + backward to pixels, batch 1, 8, 32.',
  cases(runtime: RuntimeName, quick: boolean) {
    if (runtime === 'browser') {
      return { cases: [], skipped: ['ViT-B/32 is not run in Chromium: SwiftShader is ~10× slower than lavapipe (8.8 GFLOP per image would be tens of seconds)'] };
    }
    const cases: BenchCase[] = [];
    for (const pass of ['forward', 'forward+backward'] as const) {
      for (const batch of quick ? [1] : [1, 8, 32]) cases.push(clipCase(batch, pass));
    }
    return { cases, skipped: [] };
  },
  torchAnchors(quick: boolean): ModelAnchorWork[] {
    return clipSuite.cases('node', quick).cases.map((c) => ({ suite: SUITE, group: c.group, kind: 'clip', flops: c.flops, bytes: c.bytes, batch: Number(c.params.batch), pass: String(c.params.pass) }));
  },
};
