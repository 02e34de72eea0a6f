/**
 * `stylegpu generate`: images from a StyleGAN2 checkpoint, with the flags of NVIDIA's
 * stylegan2-ada-pytorch `generate.py` (`--network --seeds --trunc --class --noise-mode --outdir
 * --projected-w`), plus `--grid`, `--save-ws` and `--batch`.
 *
 * As the official script: z for seed s is `RandomState(s).randn(1, z_dim)`, images are written as
 * `seed%04d.png` (or `proj%02d.png` for projected ws), pixels are `(x·127.5 + 128)` clamped and truncated.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import {
  type RasterImage,
  type Runtime,
  createRuntime,
  encodePng,
  imageGrid,
  readFileBytes,
  readNpy,
  readNpz,
  slice,
  toFloat32,
  writeFileAtomic,
  writeNpy,
} from '@stylegpu/kernels';
import { Generator, type NoiseMode, randomStateRandn } from '@stylegpu/stylegan';
import { progress } from '../progress.js';
import { parseSeeds } from '../seeds.js';
import { toUint8Hwc } from '../to-uint8.js';

interface GenerateOptions {
  network: string;
  seeds?: string;
  trunc: string;
  truncCutoff?: string;
  class?: string;
  noiseMode: NoiseMode;
  outdir: string;
  projectedW?: string;
  grid?: boolean;
  saveWs?: boolean;
  batch: string;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description('Generate images from a StyleGAN2 checkpoint (NVIDIA .pkl, rosinality .pt or stylegpu .safetensors)')
    .requiredOption('--network <path>', 'checkpoint file')
    .option('--seeds <list>', 'seeds, e.g. 0-7,42')
    .option('--trunc <psi>', 'truncation psi', '1')
    .option('--trunc-cutoff <n>', 'truncate only the first n ws')
    .option('--class <idx>', 'class label (conditional networks only)')
    .addOption(new Option('--noise-mode <mode>', 'noise mode').choices(['const', 'random', 'none']).default('const'))
    .requiredOption('--outdir <dir>', 'where to save the images')
    .option('--projected-w <file>', 'synthesise from ws in an .npz (key w) or .npy of shape [N, num_ws, w_dim]')
    .option('--grid', 'also write grid.png with every image')
    .option('--save-ws', 'also write ws.npy, the [N, num_ws, w_dim] latents used')
    .option('--batch <n>', 'images per GPU batch', '1')
    .action(async (opts: GenerateOptions) => runGenerate(opts));
}

export async function runGenerate(opts: GenerateOptions): Promise<void> {
  if (!opts.seeds && !opts.projectedW) throw new Error('generate: give --seeds or --projected-w');
  if (opts.seeds && opts.projectedW) throw new Error('generate: --seeds and --projected-w exclude each other');
  const psi = Number(opts.trunc);
  if (!Number.isFinite(psi)) throw new Error(`generate: --trunc '${opts.trunc}' is not a number`);
  const batch = Number(opts.batch);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`generate: --batch '${opts.batch}' is not a positive integer`);
  const cutoff = opts.truncCutoff === undefined ? null : Number(opts.truncCutoff);
  if (cutoff !== null && !(Number.isInteger(cutoff) && cutoff > 0)) throw new Error(`generate: --trunc-cutoff '${opts.truncCutoff}' is not a positive integer`);
  const seeds = opts.seeds ? parseSeeds(opts.seeds) : [];
  // Read everything that can fail on bad input before touching the GPU or the output folder.
  const projected = opts.projectedW ? await readProjectedW(opts.projectedW) : null;

  const rt = await createRuntime();
  let G: Generator | null = null;
  try {
    G = await Generator.load(rt, opts.network);
    const cfg = G.config;
    let label: Float32Array | null = null;
    if (cfg.cDim > 0) {
      if (opts.class === undefined) throw new Error('generate: this network is conditional: pass --class');
      const c = Number(opts.class);
      if (!Number.isInteger(c) || c < 0 || c >= cfg.cDim) throw new Error(`generate: --class must be an integer in [0, ${cfg.cDim})`);
      label = new Float32Array(cfg.cDim);
      label[c] = 1;
    } else if (opts.class !== undefined) {
      console.warn('generate: --class is ignored: this network is unconditional');
    }
    if (projected && (projected.shape[1] !== G.numWs || projected.shape[2] !== cfg.wDim)) {
      throw new Error(`generate: ${opts.projectedW} holds ws of shape [${projected.shape.join(', ')}], this network takes [N, ${G.numWs}, ${cfg.wDim}]`);
    }

    await mkdir(opts.outdir, { recursive: true });
    const count = projected ? projected.shape[0] : seeds.length;
    const names = projected ? [...Array(count).keys()].map((i) => `proj${String(i).padStart(2, '0')}.png`) : seeds.map((s) => `seed${String(s).padStart(4, '0')}.png`);
    const images: RasterImage[] = [];
    const allWs = new Float32Array(count * G.numWs * cfg.wDim);
    const bar = progress('generate', count);
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const { img, ws } = await synthesiseBatch(rt, G, { start, n, seeds, projected, psi, cutoff, label, noiseMode: opts.noiseMode });
      allWs.set(ws, start * G.numWs * cfg.wDim);
      const R = cfg.imgResolution;
      const C = cfg.imgChannels;
      for (let i = 0; i < n; i++) {
        const px = toUint8Hwc(img.subarray(i * C * R * R, (i + 1) * C * R * R), C, R, R);
        const image: RasterImage = { width: R, height: R, channels: C as RasterImage['channels'], data: px };
        await writeFileAtomic(join(opts.outdir, names[start + i]), encodePng(image));
        if (opts.grid) images.push(image);
        bar.tick();
      }
    }
    bar.stop();
    if (opts.grid) await writeFileAtomic(join(opts.outdir, 'grid.png'), encodePng(imageGrid(images)));
    if (opts.saveWs) {
      await writeFileAtomic(join(opts.outdir, 'ws.npy'), writeNpy({ dtype: 'f32', shape: [count, G.numWs, cfg.wDim], data: allWs }));
    }
  } finally {
    G?.dispose();
    rt.destroy();
  }
}

interface BatchSpec {
  start: number;
  n: number;
  seeds: number[];
  projected: { shape: number[]; data: Float32Array } | null;
  psi: number;
  cutoff: number | null;
  label: Float32Array | null;
  noiseMode: NoiseMode;
}

async function synthesiseBatch(rt: Runtime, G: Generator, b: BatchSpec): Promise<{ img: Float32Array; ws: Float32Array }> {
  const { zDim, cDim } = G.config;
  const [img, ws] = rt.noGrad(() =>
    rt.tidy(() => {
      let ws;
      if (b.projected) {
        const all = rt.tensor(b.projected.data, b.projected.shape);
        ws = slice(all, [[b.start, b.start + b.n]]);
      } else {
        const z = new Float32Array(b.n * zDim);
        for (let i = 0; i < b.n; i++) z.set(Float32Array.from(randomStateRandn(b.seeds[b.start + i], zDim)), i * zDim);
        const c = b.label ? rt.tensor(Float32Array.from({ length: b.n * cDim }, (_, k) => b.label![k % cDim]), [b.n, cDim]) : undefined;
        ws = G.mapping(rt.tensor(z, [b.n, zDim]), { truncationPsi: b.psi, truncationCutoff: b.cutoff, c });
      }
      return [G.synthesis(ws, { noiseMode: b.noiseMode, noiseSeed: b.seeds[b.start] ?? b.start }), ws];
    }),
  );
  const out = { img: (await img.read()) as Float32Array, ws: (await ws.read()) as Float32Array };
  img.dispose();
  ws.dispose();
  return out;
}

/** ws from NVIDIA projector output (`projected_w.npz`, key `w`) or a plain .npy. */
async function readProjectedW(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  const bytes = await readFileBytes(path).catch(() => {
    throw new Error(`generate: cannot read --projected-w ${path}`);
  });
  let t;
  if (path.endsWith('.npz')) {
    const arrays = readNpz(bytes);
    t = arrays.get('w');
    if (!t) throw new Error(`generate: ${path} has no array 'w' (it has: ${[...arrays.keys()].join(', ') || 'nothing'})`);
  } else t = readNpy(bytes, path);
  if (t.shape.length !== 3) throw new Error(`generate: ${path} holds an array of shape [${t.shape.join(', ')}]; expected [N, num_ws, w_dim]`);
  const data = toFloat32(t);
  if (data.some((v) => !Number.isFinite(v))) throw new Error(`generate: ${path} contains NaN or infinite values`);
  return { shape: [...t.shape], data };
}
