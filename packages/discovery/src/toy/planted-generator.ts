/**
 * A toy `LatentGenerator` with ground truth: F factors planted along known orthonormal axes e_k of
 * W, each read from one W+ layer l_k = k mod numWs and painted as its own blob (around the image
 * centre, in channel k mod C; every two blobs overlap):
 *
 *   image = Σ_k gain · ⟨ws[l_k], e_k⟩ · pattern_k          (linear in ws: one matmul)
 *   w     = Σ_k σ_k g_k e_k + ν g                           (g ~ N(0, 1), σ_k decreasing, ν small)
 *
 * Everything off the axes is invisible, so a method "recovers" factor k when it finds ±e_k (in the
 * right layers). GANSpace should (w varies most along the axes, by σ_k); SeFa on `weightBlocks()`
 * should (pattern k has its own area, the eigenvalue of e_k); the navigator should (directions on
 * different axes change different regions and channels). `predictFactors` reads ⟨ws[l_k], e_k⟩ back exactly from
 * an image (least squares on the patterns), the ground-truth factor predictor of the metrics.
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
  private readonly gramInverse: Float64Array;
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
    if (!(F >= 1 && F <= wDim)) throw new Error(`PlantedGenerator: factors must be in 1..wDim (${wDim}), got ${F}`);
    if (!(Number.isInteger(R) && R >= 8)) throw new Error(`PlantedGenerator: resolution must be an integer ≥ 8, got ${R}`);
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
    // Blob k: a Gaussian centred on a small circle around the image centre (angle 2πk/F), painted in
    // channel k mod C. Every two blobs overlap: where two factors change the same pixel they change
    // different channels, which is what the navigator's per-pixel feature cosines can tell apart (with
    // disjoint blobs every overlap of two edits has a cosine of 1 and the contrastive loss a flat
    // landscape). Radii shrink with k and the blobs are cut at 0.3, so each covers its own number of
    // pixels (SeFa's row-normalised Gram counts them).
    const P = C * R * R;
    this.patterns = new Float64Array(F * P);
    for (let k = 0; k < F; k++) {
      const angle = (2 * Math.PI * k) / F;
      const cx = R / 2 + (F > 1 ? 0.2 * R * Math.cos(angle) : 0);
      const cy = R / 2 + (F > 1 ? 0.2 * R * Math.sin(angle) : 0);
      const radius = R * (0.22 - (0.06 * k) / Math.max(1, F - 1));
      const c = k % C;
      for (let y = 0; y < R; y++) {
        for (let x = 0; x < R; x++) {
          const r2 = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2;
          const v = Math.exp(-r2 / (2 * radius * radius));
          this.patterns[k * P + c * R * R + y * R + x] = v >= 0.3 ? v : 0;
        }
      }
    }
    // predictFactors solves the F×F Gram system of the patterns (exact even where same-channel blobs touch).
    this.gramInverse = invertSmall(Array.from({ length: F * F }, (_, i) => {
      const a = Math.floor(i / F);
      const b = i % F;
      let dot = 0;
      for (let p = 0; p < P; p++) dot += this.patterns[a * P + p] * this.patterns[b * P + p];
      return dot;
    }), F);
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

  /** The planted factor values ⟨ws[l_k], e_k⟩ read back from images [N, C, R, R] (exact: least squares on the independent patterns). */
  async predictFactors(images: Tensor): Promise<number[][]> {
    const { channels: C, resolution: R, factors: F } = this;
    if (images.rank !== 4 || images.shape[1] !== C || images.shape[2] !== R || images.shape[3] !== R) {
      throw new Error(`PlantedGenerator.predictFactors: images must be [N, ${C}, ${R}, ${R}], got [${images.shape.join(', ')}]`);
    }
    const data = await images.read();
    const P = C * R * R;
    const out: number[][] = [];
    for (let n = 0; n < images.shape[0]; n++) {
      const dots = new Float64Array(F);
      for (let k = 0; k < F; k++) {
        let dot = 0;
        for (let p = 0; p < P; p++) dot += data[n * P + p] * this.patterns[k * P + p];
        dots[k] = dot;
      }
      const row: number[] = [];
      for (let k = 0; k < F; k++) {
        let v = 0;
        for (let j = 0; j < F; j++) v += this.gramInverse[k * F + j] * dots[j];
        row.push(v / this.gain);
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

/** Inverse of a small symmetric positive-definite matrix by Gauss–Jordan elimination with partial pivoting. */
function invertSmall(m: number[], n: number): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[piv * n + col])) piv = r;
    if (Math.abs(a[piv * n + col]) < 1e-12) throw new Error('PlantedGenerator: the factor patterns are linearly dependent; use fewer factors or a larger resolution');
    for (let j = 0; j < n; j++) {
      [a[col * n + j], a[piv * n + j]] = [a[piv * n + j], a[col * n + j]];
      [inv[col * n + j], inv[piv * n + j]] = [inv[piv * n + j], inv[col * n + j]];
    }
    const d = a[col * n + col];
    for (let j = 0; j < n; j++) {
      a[col * n + j] /= d;
      inv[col * n + j] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * n + col];
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        a[r * n + j] -= f * a[col * n + j];
        inv[r * n + j] -= f * inv[col * n + j];
      }
    }
  }
  return inv;
}
