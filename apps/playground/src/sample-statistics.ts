/**
 * What the sliders are measured in, from one batch of seeded samples: w = mapping(z) (untruncated;
 * GANSpace's PCA and SeFa's σ units read them) and the standard deviation of every StyleSpace
 * channel (a channel slider moves its channel by that many σ, so one slider range suits every layer).
 */
import { reshape, slice } from '@stylegpu/kernels';
import { randomStateRandn, type Generator } from '@stylegpu/stylegan';

export interface SampleStatistics {
  samples: number;
  /** [samples, wDim] row-major. */
  w: Float32Array;
  /** Layer name → per-channel standard deviation of its styles. */
  styleStd: Map<string, Float32Array>;
}

export async function sampleStatistics(G: Generator, firstSeed: number, samples: number): Promise<SampleStatistics> {
  const { rt } = G;
  const { zDim, wDim } = G.config;
  const z = new Float32Array(samples * zDim);
  for (let i = 0; i < samples; i++) z.set(Float32Array.from(randomStateRandn(firstSeed + i, zDim)), i * zDim);
  const { w, styles } = rt.noGrad(() =>
    rt.tidy(() => {
      const ws = G.mapping(rt.tensor(z, [samples, zDim]));
      // Every ws row is the same w before truncation and edits. Entries, not the Map: tidy keeps
      // the tensors it finds in arrays and plain objects only.
      return { w: reshape(slice(ws, [null, [0, 1]]), [samples, wDim]), styles: [...G.styles(ws)] };
    }),
  );
  try {
    const styleStd = new Map<string, Float32Array>();
    for (const [name, s] of styles) styleStd.set(name, columnStd((await s.read()) as Float32Array, samples, s.shape[1]));
    return { samples, w: (await w.read()) as Float32Array, styleStd };
  } finally {
    w.dispose();
    for (const [, s] of styles) s.dispose();
  }
}

/** Per-column sample standard deviation of a [rows, cols] array; a constant column gets 1 (a usable unit). */
export function columnStd(x: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += x[r * cols + c];
    const mean = sum / rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) ss += (x[r * cols + c] - mean) ** 2;
    const std = Math.sqrt(ss / Math.max(1, rows - 1));
    out[c] = std > 0 ? std : 1;
  }
  return out;
}
