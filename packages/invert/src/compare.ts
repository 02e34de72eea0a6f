/**
 * The comparison harness: invert the same held-out images in several spaces (W, W+, S, the overparameterised
 * latents) and report reconstruction quality — PSNR and SSIM of the 8-bit reconstructions — and interpolation
 * quality between pairs of inversions, as one Markdown table.
 *
 * Interpolation quality is the path-length ratio of the blend: render the linear blend of two inverted latents
 * (and their noise maps) at K + 1 evenly spaced points, and divide the summed distance between consecutive
 * frames by the distance between the endpoints. 1 means the images change as directly as a cross-fade would;
 * larger means the path detours through other images (a latent that reconstructs by fitting off-manifold
 * codes tends to). Distances are LPIPS when a network is given, else RMS pixel differences (8-bit scale).
 */
import type { Runtime, Tensor } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import type { LpipsVgg16 } from './losses/lpips-vgg16.js';
import type { PerceptualDistance } from './losses/perceptual.js';
import { psnr } from './metrics/psnr.js';
import { ssim } from './metrics/ssim.js';
import { toUint8 } from './metrics/to-uint8.js';
import { type LatentStats, latentStats } from './projection/latent-stats.js';
import type { ProjectionSpace } from './projection/latent-variable.js';
import { type ProjectionResult, project } from './projection/project.js';
import { lerpLatent, renderLatent } from './projection/render-latent.js';

export interface CompareOptions {
  spaces?: ProjectionSpace[];
  numSteps?: number;
  seed?: number;
  stats?: LatentStats;
  /** The perceptual term of the projections, built per target (LPIPS or CLIP); none: MSE. */
  perceptual?: (target: Tensor) => PerceptualDistance;
  /** LPIPS for the interpolation distances (pixels otherwise). */
  lpips?: LpipsVgg16;
  /** Segments along each interpolation path (8). */
  interpolationSegments?: number;
  optimizeNoise?: boolean;
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface SpaceRow {
  space: ProjectionSpace;
  psnr: number[];
  ssim: number[];
  /** Path-length ratio per image pair (0–1, 2–3, …); empty with fewer than two images. */
  pathRatio: number[];
}

/** images: held-out targets, each [C, R, R] in [−1, 1]. */
export async function compareInversions(rt: Runtime, G: Generator, images: readonly Float32Array[], opts: CompareOptions = {}): Promise<SpaceRow[]> {
  const { imgChannels: C, imgResolution: R } = G.config;
  images.forEach((img, i) => {
    if (img.length !== C * R * R) throw new Error(`compareInversions: image ${i} has ${img.length} values, the generator makes [${C}, ${R}, ${R}]`);
  });
  if (images.length === 0) throw new Error('compareInversions: no images');
  const spaces = opts.spaces ?? ['w', 'w+', 's', 'overparam'];
  const stats = opts.stats ?? (await latentStats(rt, G));
  const K = opts.interpolationSegments ?? 8;
  const total = spaces.length * images.length;
  let done = 0;
  const rows: SpaceRow[] = [];
  for (const space of spaces) {
    const row: SpaceRow = { space, psnr: [], ssim: [], pathRatio: [] };
    const results: ProjectionResult[] = [];
    for (const [i, img] of images.entries()) {
      const target = rt.tensor(img, [1, C, R, R]);
      const perceptual = opts.perceptual?.(target) ?? null;
      try {
        const r = await project(rt, G, target, { space, numSteps: opts.numSteps, seed: (opts.seed ?? 0) + i, stats, perceptual, optimizeNoise: opts.optimizeNoise });
        results.push(r);
        const a = toUint8(r.image);
        const b = toUint8(img);
        row.psnr.push(psnr(a, b));
        row.ssim.push(ssim(a, b, C, R, R));
      } finally {
        perceptual?.dispose();
        target.dispose();
      }
      opts.onProgress?.(++done, total, `${space} image ${i}`);
    }
    for (let p = 0; p + 1 < results.length; p += 2) row.pathRatio.push(await pathRatio(rt, G, results[p], results[p + 1], K, opts.lpips));
    rows.push(row);
  }
  return rows;
}

async function pathRatio(rt: Runtime, G: Generator, a: ProjectionResult, b: ProjectionResult, K: number, lpips?: LpipsVgg16): Promise<number> {
  const frames: Tensor[] = [];
  try {
    for (let k = 0; k <= K; k++) frames.push(renderLatent(rt, G, lerpLatent(a, b, k / K)));
    const dist = async (x: Tensor, y: Tensor): Promise<number> => {
      if (lpips) {
        const d = rt.noGrad(() => rt.tidy(() => lpips.distance(x, y)));
        const v = (await d.read())[0];
        d.dispose();
        return v;
      }
      const p = toUint8((await x.read()) as Float32Array);
      const q = toUint8((await y.read()) as Float32Array);
      let s = 0;
      for (let i = 0; i < p.length; i++) s += (p[i] - q[i]) ** 2;
      return Math.sqrt(s / p.length);
    };
    let path = 0;
    for (let k = 0; k < K; k++) path += await dist(frames[k], frames[k + 1]);
    const direct = await dist(frames[0], frames[K]);
    return direct > 0 ? path / direct : 1;
  } finally {
    for (const f of frames) f.dispose();
  }
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const spread = (v: number[], digits: number) => {
  if (v.length < 2) return '';
  const m = mean(v);
  return ` ± ${Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1)).toFixed(digits)}`;
};

/** The table: one row per space, mean (± sample standard deviation) over images and pairs. */
export function comparisonMarkdown(rows: readonly SpaceRow[], caption = ''): string {
  const lines = [
    ...(caption ? [caption, ''] : []),
    '| space | PSNR (dB) ↑ | SSIM ↑ | interpolation path ratio ↓ | images | pairs |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const path = r.pathRatio.length ? `${mean(r.pathRatio).toFixed(3)}${spread(r.pathRatio, 3)}` : '–';
    lines.push(`| ${r.space} | ${mean(r.psnr).toFixed(2)}${spread(r.psnr, 2)} | ${mean(r.ssim).toFixed(4)}${spread(r.ssim, 4)} | ${path} | ${r.psnr.length} | ${r.pathRatio.length} |`);
  }
  return `${lines.join('\n')}\n`;
}
