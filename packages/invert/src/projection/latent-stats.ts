/**
 * The latent statistics `projector.py` starts from: w_avg and w_std over `samples` (10000) mapped z drawn
 * as `np.random.RandomState(123).randn(samples, z_dim)`, with w_std = √(Σ_i ‖w_i − w_avg‖² / samples)
 * (one scalar). The StyleSpace counterpart, per layer, is the same spread of the affine outputs
 * s_l = A_l(w) around A_l(w_avg) — what the initial latent noise is scaled by when projecting into S.
 */
import { type Runtime, type Tensor, expand, reshape, slice } from '@stylegpu/kernels';
import { type Generator, randomStateRandn } from '@stylegpu/stylegan';

export interface LatentStats {
  /** [wDim] */
  wAvg: Float32Array;
  wStd: number;
  /** Per StyleSpace layer (`b{res}.{conv0|conv1|torgb}`): the spread of its style vector. */
  styleStd: Map<string, number>;
}

export interface LatentStatsOptions {
  /** Number of z samples (NVIDIA: 10000). */
  samples?: number;
  /** RandomState seed of the z samples (NVIDIA: 123). */
  seed?: number;
  /** Mapped per GPU batch. */
  batch?: number;
}

export async function latentStats(rt: Runtime, G: Generator, opts: LatentStatsOptions = {}): Promise<LatentStats> {
  const samples = opts.samples ?? 10000;
  const batch = opts.batch ?? 500;
  const { zDim, wDim, cDim } = G.config;
  if (cDim > 0) throw new Error(`latentStats: the generator is conditional (${cDim} classes); projection supports unconditional generators`);
  const z = Float32Array.from(randomStateRandn(opts.seed ?? 123, samples * zDim));
  const ws = new Float32Array(samples * wDim);
  for (let start = 0; start < samples; start += batch) {
    const n = Math.min(batch, samples - start);
    const w = rt.noGrad(() => rt.tidy(() => first(G.mapping(rt.tensor(z.subarray(start * zDim, (start + n) * zDim), [n, zDim])))));
    ws.set((await w.read()) as Float32Array, start * wDim);
    w.dispose();
  }
  const avg = new Float64Array(wDim);
  for (let i = 0; i < samples; i++) for (let c = 0; c < wDim; c++) avg[c] += ws[i * wDim + c];
  for (let c = 0; c < wDim; c++) avg[c] /= samples;
  let ss = 0;
  for (let i = 0; i < samples; i++) for (let c = 0; c < wDim; c++) ss += (ws[i * wDim + c] - avg[c]) ** 2;
  const wAvg = Float32Array.from(avg);

  // StyleSpace spread: styles of every sample minus the styles of w_avg, layer by layer.
  const styleSs = new Map<string, number>(G.layers.map((l) => [l.name, 0]));
  const avgStyles = await readStyles(rt, G, wAvg, 1);
  for (let start = 0; start < samples; start += batch) {
    const n = Math.min(batch, samples - start);
    const s = await readStyles(rt, G, ws.subarray(start * wDim, (start + n) * wDim), n);
    for (const [name, v] of s) {
      const a = avgStyles.get(name)!;
      let acc = 0;
      for (let k = 0; k < v.length; k++) acc += (v[k] - a[k % a.length]) ** 2;
      styleSs.set(name, styleSs.get(name)! + acc);
    }
  }
  const styleStd = new Map([...styleSs].map(([k, v]) => [k, Math.sqrt(v / samples)]));
  return { wAvg, wStd: Math.sqrt(ss / samples), styleStd };
}

/** ws [n, numWs, wDim] → the first w, [n, wDim]. */
function first(ws: Tensor): Tensor {
  return reshape(slice(ws, [null, [0, 1]]), [ws.shape[0], ws.shape[2]]);
}

async function readStyles(rt: Runtime, G: Generator, w: Float32Array, n: number): Promise<Map<string, Float32Array>> {
  const { wDim } = G.config;
  const styles = rt.noGrad(() =>
    rt.tidy(() => {
      const ws = expand(reshape(rt.tensor(w, [n, wDim]), [n, 1, wDim]), [n, G.numWs, wDim]);
      return [...G.styles(ws)];
    }),
  );
  const out = new Map<string, Float32Array>();
  for (const [name, t] of styles) {
    out.set(name, (await t.read()) as Float32Array);
    t.dispose();
  }
  return out;
}
