/**
 * Traversals: images of each direction walked from a few seeds. `renderTraversal` synthesises the
 * grid (one row per direction × seed, one column per step α, α in units of the direction's step
 * scale) and returns raster images; `traversalGrid` lays them out as one picture (PNG-ready),
 * `traversalGif` animates each row back and forth (gifenc, one 256-colour palette per frame).
 * Pixels are (x · 127.5 + 128) clamped and truncated, as NVIDIA's generate.py writes them.
 */
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { imageGrid, type RasterImage } from '@stylegpu/io';
import { concat, slice, type Tensor } from '@stylegpu/kernels';
import { editW, type LatentEditor } from '../direction-set.js';
import { checkSeeds, type LatentGenerator } from '../latent-generator.js';

export interface TraversalOptions {
  /** Directions to show. Default: all. */
  directions?: readonly number[];
  /** Seeds (rows per direction). Default [0, 1, 2]. */
  seeds?: readonly number[];
  /** Steps, in units of each direction's step scale. Default −2 … 2 in 7 steps. */
  alphas?: readonly number[];
  /** Images per synthesis call. Default 16. */
  batch?: number;
}

export interface Traversal {
  directions: number[];
  seeds: number[];
  alphas: number[];
  /** frames[d][s][a]: direction d (index into `directions`), seed s, step a. */
  frames: RasterImage[][][];
}

export function chwToRaster(data: ArrayLike<number>, offset: number, C: number, H: number, W: number): RasterImage {
  const out = new Uint8Array(H * W * 3);
  const plane = H * W;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.fround(Math.fround(data[offset + (C === 1 ? 0 : c) * plane + i] * 127.5) + 128);
      if (Number.isNaN(v)) throw new Error('traversal: the generator produced NaN pixels');
      out[i * 3 + c] = Math.trunc(Math.min(255, Math.max(0, v)));
    }
  }
  return { width: W, height: H, channels: 3, data: out };
}

export async function renderTraversal(gen: LatentGenerator, editor: LatentEditor, opts: TraversalOptions = {}): Promise<Traversal> {
  const directions = [...(opts.directions ?? [...Array(editor.count).keys()])];
  const seeds = [...(opts.seeds ?? [0, 1, 2])];
  const alphas = [...(opts.alphas ?? [-2, -4 / 3, -2 / 3, 0, 2 / 3, 4 / 3, 2])];
  const batch = opts.batch ?? 16;
  checkSeeds(seeds, 'renderTraversal');
  for (const d of directions) if (!(Number.isInteger(d) && d >= 0 && d < editor.count)) throw new Error(`renderTraversal: direction ${d} is not in 0..${editor.count - 1}`);
  if (alphas.length === 0 || alphas.some((a) => !Number.isFinite(a))) throw new Error('renderTraversal: alphas must be finite numbers (at least one)');
  const rt = gen.rt;
  const w = rt.keep(gen.sampleW(seeds));
  const frames: RasterImage[][][] = [];
  try {
    for (const d of directions) {
      const scale = editor.stepScales[d];
      const ws = rt.keep(rt.noGrad(() => rt.tidy(() => {
        const off = editor.offset(w, d);
        return concat(alphas.map((a) => editW(w, off, a * scale)), 0); // [A·S, numWs, wDim], alpha-major
      })));
      const rows: RasterImage[][] = seeds.map(() => []);
      try {
        const total = ws.shape[0];
        for (let i = 0; i < total; i += batch) {
          const end = Math.min(total, i + batch);
          const img = rt.keep(rt.noGrad(() => rt.tidy(() => gen.synthesize(i === 0 && end === total ? ws : sliceRows(ws, i, end)))));
          try {
            const [, C, H, W] = img.shape;
            const data = await img.read();
            for (let j = i; j < end; j++) {
              const a = Math.floor(j / seeds.length);
              const s = j % seeds.length;
              rows[s][a] = chwToRaster(data, (j - i) * C * H * W, C, H, W);
            }
          } finally {
            img.dispose();
          }
        }
      } finally {
        ws.dispose();
      }
      frames.push(rows);
    }
  } finally {
    w.dispose();
  }
  return { directions, seeds, alphas, frames };
}

function sliceRows(t: Tensor, start: number, end: number): Tensor {
  return slice(t, [[start, end]]);
}

/** One picture: a row per (direction, seed), a column per step. */
export function traversalGrid(t: Traversal, padding = 2): RasterImage {
  const cells = t.frames.flatMap((rows) => rows.flatMap((r) => r));
  return imageGrid(cells, { cols: t.alphas.length, padding, background: 255 });
}

/** An animated GIF of one direction: frame a shows every seed at step a, walking there and back. */
export function traversalGif(t: Traversal, directionIndex: number, delayMs = 120): Uint8Array {
  const rows = t.frames[directionIndex];
  if (!rows) throw new Error(`traversalGif: direction index ${directionIndex} is not in 0..${t.frames.length - 1}`);
  const A = t.alphas.length;
  const order = [...Array(A).keys(), ...Array.from({ length: Math.max(0, A - 2) }, (_, i) => A - 2 - i)];
  const gif = GIFEncoder();
  for (const a of order) {
    const frame = imageGrid(rows.map((r) => r[a]), { cols: rows.length, padding: 2, background: 255 });
    const rgba = new Uint8Array(frame.width * frame.height * 4);
    for (let i = 0; i < frame.width * frame.height; i++) {
      rgba.set(frame.data.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = 255;
    }
    const palette = quantize(rgba, 256);
    gif.writeFrame(applyPalette(rgba, palette), frame.width, frame.height, { palette, delay: delayMs });
  }
  gif.finish();
  return gif.bytes();
}
