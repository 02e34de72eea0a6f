/**
 * A toy `LatentGenerator` with ground truth: F factors planted along known orthonormal axes e_k of
 * W, each read from one W+ layer l_k = k mod numWs and painted as its own blob (disjoint cells of
 * the image, channel k mod C):
 *
 *   image = Σ_k gain · ⟨ws[l_k], e_k⟩ · pattern_k          (linear in ws: one matmul)
 *   w     = Σ_k σ_k g_k e_k + ν g                           (g ~ N(0, 1), σ_k decreasing, ν small)
 *
 * Everything off the axes is invisible, so a method "recovers" factor k when it finds ±e_k (in the
 * right layers). GANSpace should (w varies most along the axes, by σ_k); SeFa on `weightBlocks()`
 * should (pattern k has its own area, the eigenvalue of e_k); the navigator should (directions on
 * different axes change different regions). `predictFactors` reads ⟨ws[l_k], e_k⟩ back exactly from
 * an image, the ground-truth factor predictor of the metrics.
 */
import { matmul, reshape, type Runtime, type Tensor } from '@stylegpu/kernels';
import type { LatentGenerator } from '../latent-generator.js';
import { checkSeeds } from '../latent-generator.js';
import { SeededRandom } from '../linalg/seeded-random.js';

export interface PlantedGeneratorOptions {
  wDim?: number;
  numWs?: number;
  factors?: number;
  resolution?: number;
  channels?: number;
  /** Seed of the axes. */
  seed?: number;
  /** Isotropic w noise ν. Default 0.1. */
  noise?: number;
}

export class PlantedGenerator implements LatentGenerator {
  readonly wDim: number;
  readonly numWs: number;
  readonly factors: number;
  readonly resolution: number;
  readonly channels: number;
  /** F×wDim orthonormal axes. */
  readonly axes: Float64Array;
  /** Layer each factor is read from. */
  readonly factorLayers: number[];
  /** σ_k of w along each axis. */
  readonly sigmas: number[];
  /** F × (C·R·R) patterns. */
  readonly patterns: Float64Array;
  readonly gain = 0.25;
  private readonly noise: number;
  private readonly projection: Tensor;

  constructor(
    readonly rt: Runtime,
    opts: PlantedGeneratorOptions = {},
  ) {
    this.wDim = opts.wDim ?? 16;
    this.numWs = opts.numWs ?? 4;
    this.factors = opts.factors ?? 4;
    this.resolution = opts.resolution ?? 16;
    this.channels = opts.channels ?? 3;
    this.noise = opts.noise ?? 0.1;
    const { wDim, numWs, factors: F, resolution: R, channels: C } = this;
    const cells = Math.ceil(Math.sqrt(F));
    if (!(F >= 1 && F <= wDim)) throw new Error(`PlantedGenerator: factors must be in 1..wDim (${wDim}), got ${F}`);
    if (R < 2 * cells) throw new Error(`PlantedGenerator: resolution ${R} is too small for ${F} factor cells`);
    // Orthonormal axes by Gram–Schmidt of seeded normals.
    const rng = new SeededRandom(opts.seed ?? 0);
    this.axes = new Float64Array(F * wDim);
    for (let k = 0; k < F; k++) {
      const v = Float64Array.from({ length: wDim }, () => rng.normal());
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let i = 0; i < wDim; i++) dot += v[i] * this.axes[j * wDim + i];
        for (let i = 0; i < wDim; i++) v[i] -= dot * this.axes[j * wDim + i];
      }
      const norm = Math.hypot(...v);
      for (let i = 0; i < wDim; i++) this.axes[k * wDim + i] = v[i] / norm;
    }
    this.factorLayers = Array.from({ length: F }, (_, k) => k % numWs);
    this.sigmas = Array.from({ length: F }, (_, k) => 2 - (1.2 * k) / Math.max(1, F - 1));
    // Blob k: a Gaussian in cell k, radius shrinking with k (so the pattern energies differ).
    const cell = R / cells;
    const P = C * R * R;
    this.patterns = new Float64Array(F * P);
    for (let k = 0; k < F; k++) {
      const cx = ((k % cells) + 0.5) * cell;
      const cy = (Math.floor(k / cells) + 0.5) * cell;
      const radius = cell * (0.35 - (0.15 * k) / Math.max(1, F - 1));
      const c = k % C;
      for (let y = 0; y < R; y++) {
        for (let x = 0; x < R; x++) {
          const inCell = Math.floor(x / cell) === k % cells && Math.floor(y / cell) === Math.floor(k / cells);
          const r2 = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2;
          const v = Math.exp(-r2 / (2 * radius * radius));
          // Cut at 0.3 so each blob covers its own number of pixels (SeFa's row-normalised Gram counts them).
          this.patterns[k * P + c * R * R + y * R + x] = inCell && v >= 0.3 ? v : 0;
        }
      }
    }
    // Projection [numWs·wDim, P]: row (l, i) holds Σ_{k: l_k = l} gain · e_k[i] · pattern_k.
    const proj = new Float32Array(numWs * wDim * P);
    for (let k = 0; k < F; k++) {
      const l = this.factorLayers[k];
      for (let i = 0; i < wDim; i++) {
        const a = this.gain * this.axes[k * wDim + i];
        const row = (l * wDim + i) * P;
        for (let p = 0; p < P; p++) proj[row + p] += a * this.patterns[k * P + p];
      }
    }
    this.projection = rt.keep(rt.tensor(proj, [numWs * wDim, P]));
  }

  sampleW(seeds: readonly number[]): Tensor {
    checkSeeds(seeds, 'PlantedGenerator.sampleW');
    const { wDim, factors: F } = this;
    const w = new Float32Array(seeds.length * wDim);
    seeds.forEach((s, n) => {
      const rng = new SeededRandom(s);
      const row = new Float64Array(wDim);
      for (let k = 0; k < F; k++) {
        const g = this.sigmas[k] * rng.normal();
        for (let i = 0; i < wDim; i++) row[i] += g * this.axes[k * wDim + i];
      }
      for (let i = 0; i < wDim; i++) w[n * wDim + i] = row[i] + this.noise * rng.normal();
    });
    return this.rt.tensor(w, [seeds.length, wDim]);
  }

  synthesize(ws: Tensor): Tensor {
    const { wDim, numWs, channels: C, resolution: R } = this;
    if (ws.rank !== 3 || ws.shape[1] !== numWs || ws.shape[2] !== wDim) {
      throw new Error(`PlantedGenerator.synthesize: ws must be [N, ${numWs}, ${wDim}], got [${ws.shape.join(', ')}]`);
    }
    const n = ws.shape[0];
    return reshape(matmul(reshape(ws, [n, numWs * wDim]), this.projection), [n, C, R, R]);
  }

  /** The planted factor values ⟨ws[l_k], e_k⟩ read back from images [N, C, R, R] (exact: the patterns are disjoint). */
  async predictFactors(images: Tensor): Promise<number[][]> {
    const { channels: C, resolution: R, factors: F } = this;
    if (images.rank !== 4 || images.shape[1] !== C || images.shape[2] !== R || images.shape[3] !== R) {
      throw new Error(`PlantedGenerator.predictFactors: images must be [N, ${C}, ${R}, ${R}], got [${images.shape.join(', ')}]`);
    }
    const data = await images.read();
    const P = C * R * R;
    const out: number[][] = [];
    for (let n = 0; n < images.shape[0]; n++) {
      const row: number[] = [];
      for (let k = 0; k < F; k++) {
        let dot = 0;
        let norm = 0;
        for (let p = 0; p < P; p++) {
          const q = this.patterns[k * P + p];
          dot += data[n * P + p] * q;
          norm += q * q;
        }
        row.push(dot / norm / this.gain);
      }
      out.push(row);
    }
    return out;
  }

  /** The linear map of each W+ layer as [rows, wDim] blocks (pixels × w), for SeFa on the toy. */
  weightBlocks(layers: readonly number[] = [...Array(this.numWs).keys()]): Array<{ data: Float64Array; rows: number }> {
    const { wDim, factors: F } = this;
    const P = this.channels * this.resolution * this.resolution;
    return layers.map((l) => {
      const data = new Float64Array(P * wDim);
      for (let k = 0; k < F; k++) {
        if (this.factorLayers[k] !== l) continue;
        for (let p = 0; p < P; p++) {
          const q = this.gain * this.patterns[k * P + p];
          if (q === 0) continue;
          for (let i = 0; i < wDim; i++) data[p * wDim + i] += q * this.axes[k * wDim + i];
        }
      }
      return { data, rows: P };
    });
  }

  dispose(): void {
    this.projection.dispose();
  }
}
