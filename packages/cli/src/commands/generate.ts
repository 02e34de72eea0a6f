/**
 * `stylegpu generate`: images from a StyleGAN2 checkpoint, with the flags of NVIDIA's
 * stylegan2-ada-pytorch `generate.py` (`--network --seeds --trunc --class --noise-mode --outdir
 * --projected-w`), plus `--grid`, `--save-ws` and `--batch`.
 *
 * As the official script: z for seed s is `RandomState(s).randn(1, z_dim)`, images are written as
 * `seed%04d.png` (or `proj%02d.png` for projected ws), pixels are `(x·127.5 + 128)` clamped and truncated.
 */
import { Command, Option } from 'commander';
import {
  type RasterImage,
  encodePng,
  imageGrid,
  readNpy,
  readNpz,
  toFloat32,
  writeNpy,
} from '@stylegpu/io';
import { type Runtime, createRuntime, slice } from '@stylegpu/kernels';
import { Generator, type NoiseMode, randomStateRandn } from '@stylegpu/stylegan';
import { CliError, oneLine } from '../cli-error.js';
import { checkOutputFolder, readInput } from '../file-checks.js';
import { OutputFolder } from '../output-folder.js';
import { progress } from '../progress.js';
import { readStyleGan } from '../read-models.js';
import { describeKind, sniffKind } from '../sniff.js';
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
  // Every flag, path and file is checked before the GPU is opened and before anything is written.
  if (!opts.seeds && !opts.projectedW) throw new CliError('generate', '', 'no latents given', 'pass --seeds (for example 0-7) or --projected-w FILE');
  if (opts.seeds && opts.projectedW) throw new CliError('generate', '', '--seeds and --projected-w exclude each other', 'pass one of them');
  const psi = Number(opts.trunc);
  if (opts.trunc.trim() === '' || !Number.isFinite(psi)) {
    throw new CliError('generate --trunc', `'${opts.trunc}'`, 'not a finite number', 'give the truncation psi, for example 0.7 (1 disables truncation)');
  }
  const batch = positiveInteger('generate --batch', opts.batch, 'images per GPU batch, for example 4');
  const cutoff = opts.truncCutoff === undefined ? null : positiveInteger('generate --trunc-cutoff', opts.truncCutoff, 'the number of leading ws to truncate');
  const classIndex = opts.class === undefined ? null : Number(opts.class);
  if (classIndex !== null && (opts.class!.trim() === '' || !Number.isInteger(classIndex) || classIndex < 0)) {
    throw new CliError('generate --class', `'${opts.class}'`, 'not a class index', 'give a non-negative integer');
  }
  const seeds = opts.seeds ? parseSeeds(opts.seeds, 'generate --seeds') : [];
  await checkOutputFolder('generate --outdir', opts.outdir);
  const ckpt = await readStyleGan('generate --network', opts.network);
  const cfg = ckpt.config.generator;
  const projected = opts.projectedW ? await readProjectedW(opts.projectedW) : null;
  if (projected && (projected.shape[1] !== cfg.numWs || projected.shape[2] !== cfg.wDim)) {
    throw new CliError(
      'generate --projected-w',
      opts.projectedW!,
      `holds ws of shape [${projected.shape.join(', ')}], but ${opts.network} takes [N, ${cfg.numWs}, ${cfg.wDim}]`,
      'give ws projected with this network',
    );
  }
  let label: Float32Array | null = null;
  if (cfg.cDim > 0) {
    if (classIndex === null) throw new CliError('generate --network', opts.network, `is conditional (${cfg.cDim} classes)`, 'pass --class');
    if (classIndex >= cfg.cDim) throw new CliError('generate --class', String(classIndex), `the network has ${cfg.cDim} classes`, `give a class in 0-${cfg.cDim - 1}`);
    label = new Float32Array(cfg.cDim);
    label[classIndex] = 1;
  } else if (classIndex !== null) {
    console.warn('stylegpu: generate: --class is ignored: this network is unconditional');
  }

  const rt = await createRuntime();
  let G: Generator | null = null;
  let out: OutputFolder | null = null;
  try {
    G = Generator.fromWeights(rt, cfg, ckpt.generator);
    out = await OutputFolder.open('generate --outdir', opts.outdir);
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
        await out.write(names[start + i], encodePng(image));
        if (opts.grid) images.push(image);
        bar.tick();
      }
    }
    bar.stop();
    if (opts.grid) await out.write('grid.png', encodePng(imageGrid(images)));
    if (opts.saveWs) await out.write('ws.npy', writeNpy({ dtype: 'f32', shape: [count, G.numWs, cfg.wDim], data: allWs }));
  } catch (e) {
    // A failure part-way (the GPU, a full disk) takes back the images this run wrote.
    await out?.discard();
    throw e;
  } finally {
    G?.dispose();
    rt.destroy();
  }
}

function positiveInteger(what: string, value: string, meaning: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new CliError(what, `'${value}'`, 'not a positive integer', `give ${meaning}`);
  return n;
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

/** ws from NVIDIA projector output (`projected_w.npz`, key `w`) or a plain .npy, told apart by content. */
async function readProjectedW(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  const what = 'generate --projected-w';
  const todo = 'give an .npz with an array w, or an .npy, of shape [N, num_ws, w_dim]';
  const bytes = await readInput(what, path);
  const kind = sniffKind(bytes);
  let t;
  try {
    if (kind === 'zip') {
      const arrays = readNpz(bytes);
      t = arrays.get('w');
      if (!t) throw new CliError(what, path, `has no array 'w' (it has: ${[...arrays.keys()].join(', ') || 'nothing'})`, todo);
    } else if (kind === 'npy') {
      t = readNpy(bytes, path);
    } else {
      throw new CliError(what, path, `holds ${describeKind(kind)}, not a NumPy array`, todo);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(what, path, `cannot read it as NumPy data (${oneLine((e as Error).message)})`, todo);
  }
  if (t.shape.length !== 3) throw new CliError(what, path, `holds an array of shape [${t.shape.join(', ')}]`, todo);
  if (t.shape[0] === 0) throw new CliError(what, path, `holds no ws (shape [${t.shape.join(', ')}])`, todo);
  let data;
  try {
    data = toFloat32(t);
  } catch (e) {
    throw new CliError(what, path, `holds ${t.dtype} values (${oneLine((e as Error).message)})`, 'give float ws');
  }
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new CliError(what, path, `holds ${data[bad]} at element ${bad}`, 'give finite ws');
  return { shape: [...t.shape], data };
}
