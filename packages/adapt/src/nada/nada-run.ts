/**
 * A whole StyleGAN-NADA run on disk (Node): load the generators and CLIP models, train with
 * progress, write sample grids and checkpoints, and resume from the last one.
 *
 *   <outputDir>/sample/dst_{step:06d}.png        n_sample source images (top) and adapted (bottom)
 *   <outputDir>/checkpoint/{step:06d}.safetensors the adapted generator, stylegpu format
 *   <outputDir>/checkpoint/{step:06d}.pt          the same in rosinality's layout (with exportRosinality)
 *   <outputDir>/checkpoint/state.safetensors      what a resume needs: step, Adam moments, the options
 *
 * Every file is written atomically, so an interrupted run loses nothing it had saved.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import {
  type RasterImage,
  type Runtime,
  type Tensor,
  concat,
  decodeImage,
  encodePng,
  fromHost,
  imageGrid,
  randomNormal,
  readFileBytes,
  readSafetensors,
  toHost,
  writeFileAtomic,
  writeSafetensors,
} from '@stylegpu/kernels';
import { Generator, exportRosinality, loadStyleGanCheckpoint, saveStyleGanCheckpoint } from '@stylegpu/stylegan';
import { type ClipTokenizer, loadClip, loadTokenizer } from '@stylegpu/clip/node';
import { type NadaClip, type NadaOptions, type NadaStepResult, NadaTrainer } from './nada-trainer.js';

export interface NadaClipSpec {
  /** A CLIP checkpoint file or Hugging Face folder. */
  path: string;
  weight: number;
}

export interface NadaRunOptions extends Omit<NadaOptions, 'targetImages'> {
  frozenGenCkpt: string;
  /** Defaults to the frozen checkpoint (as the official `--train_gen_ckpt`). */
  trainGenCkpt?: string;
  clipModels: NadaClipSpec[];
  /** BPE vocabulary for CLIP files that carry none (OpenAI .pt, stylegpu); HF folders carry theirs. */
  clipVocab?: string;
  /** Folder of target images (PNG/JPEG): image-guided adaptation. */
  styleImgDir?: string;
  iterations: number;
  outputDir: string;
  /** Write a sample grid every N steps (0: never). */
  outputInterval: number;
  /** Write a checkpoint every N steps (0: only at the end). */
  saveInterval: number;
  nSample?: number;
  sampleTruncation?: number;
  resume?: boolean;
  exportRosinality?: boolean;
  onStep?: (r: NadaStepResult & { stepsPerSecond: number }) => void;
}

const STATE_FORMAT = 'stylegpu-nada-state';

export async function runNada(rt: Runtime, o: NadaRunOptions): Promise<{ steps: number; lastLoss: number; checkpoint: string }> {
  if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new Error(`nada: --iter must be a positive integer, got ${o.iterations}`);
  if (!o.clipModels.length) throw new Error('nada: give at least one CLIP model (--clip-models)');
  // Everything that can fail on bad input is read before any output is written.
  const targetPixels = o.styleImgDir ? await readStyleImages(o.styleImgDir) : null;
  const frozen = await Generator.load(rt, o.frozenGenCkpt);
  const trainCkpt = await loadStyleGanCheckpoint(o.trainGenCkpt ?? o.frozenGenCkpt);
  const disposers: Array<() => void> = [() => frozen.dispose()];
  try {
    const stateFile = join(o.outputDir, 'checkpoint', 'state.safetensors');
    const resumeFrom = o.resume && existsSync(stateFile) ? readSafetensors(await readFileBytes(stateFile)) : null;
    const resumeMeta = resumeFrom ? parseStateMeta(resumeFrom.metadata, stateFile) : null;
    const trainable = resumeMeta
      ? await Generator.load(rt, join(o.outputDir, 'checkpoint', resumeMeta.checkpoint))
      : Generator.fromWeights(rt, trainCkpt.config.generator, trainCkpt.generator);
    disposers.push(() => trainable.dispose());
    if (trainable.config.imgResolution !== frozen.config.imgResolution) {
      throw new Error(`nada: the frozen (${frozen.config.imgResolution} px) and trainable (${trainable.config.imgResolution} px) generators have different resolutions`);
    }

    const clips = await loadClips(rt, o.clipModels, o.clipVocab, disposers);
    const targetImages = targetPixels?.map((img) => rt.keep(imageTensor(rt, img)));
    disposers.push(() => targetImages?.forEach((t) => t.dispose()));

    const trainer = new NadaTrainer(rt, frozen, trainable, clips, { ...o, targetImages });
    disposers.push(() => trainer.dispose());
    if (resumeFrom && resumeMeta) {
      const state = new Map<string, { step: number; m: Tensor; v: Tensor }>();
      for (const [name, step] of Object.entries(resumeMeta.adamSteps)) {
        const m = resumeFrom.tensors.get(`m.${name}`);
        const v = resumeFrom.tensors.get(`v.${name}`);
        if (!m || !v) throw new Error(`nada: ${stateFile} lacks the Adam moments of ${name}`);
        state.set(name, { step, m: fromHost(rt, m), v: fromHost(rt, v) });
      }
      trainer.restore(resumeMeta.step, state);
      for (const s of state.values()) {
        s.m.dispose();
        s.v.dispose();
      }
    }

    await mkdir(join(o.outputDir, 'sample'), { recursive: true });
    await mkdir(join(o.outputDir, 'checkpoint'), { recursive: true });
    const sampleZ = rt.keep(randomNormal(rt, [o.nSample ?? 4, frozen.config.zDim], { seed: (o.seed ?? 2) + 1, offset: 0 }));
    disposers.push(() => sampleZ.dispose());

    let lastLoss = NaN;
    let checkpoint = resumeMeta?.checkpoint ?? '';
    const t0 = performance.now();
    const startStep = trainer.step;
    while (trainer.step < o.iterations) {
      const r = await trainer.trainStep();
      lastLoss = r.loss;
      const done = trainer.step;
      o.onStep?.({ ...r, stepsPerSecond: (done - startStep) / ((performance.now() - t0) / 1000) });
      if (o.outputInterval > 0 && (r.step % o.outputInterval === 0 || done === o.iterations)) {
        await writeSampleGrid(rt, trainer, sampleZ, join(o.outputDir, 'sample', `dst_${pad(r.step)}.png`), o.sampleTruncation ?? 0.7);
      }
      if ((o.saveInterval > 0 && done % o.saveInterval === 0) || done === o.iterations) {
        checkpoint = await saveCheckpoint(trainer, trainCkpt.config, o, done);
      }
    }
    return { steps: trainer.step, lastLoss, checkpoint: join(o.outputDir, 'checkpoint', checkpoint) };
  } finally {
    for (const d of disposers.reverse()) d();
  }
}

const pad = (n: number) => String(n).padStart(6, '0');

async function saveCheckpoint(
  trainer: NadaTrainer,
  config: Awaited<ReturnType<typeof loadStyleGanCheckpoint>>['config'],
  o: NadaRunOptions,
  step: number,
): Promise<string> {
  const dir = join(o.outputDir, 'checkpoint');
  const weights = new Map();
  for (const [name, t] of trainer.trainable.params) weights.set(name, await toHost(t));
  const ckpt = { config: { ...config, discriminator: undefined }, generator: weights };
  const name = `${pad(step)}.safetensors`;
  await writeFileAtomic(join(dir, name), saveStyleGanCheckpoint(withFilters(ckpt)));
  if (o.exportRosinality) await writeFileAtomic(join(dir, `${pad(step)}.pt`), exportRosinality(withFilters(ckpt)));
  // The resume state goes last: it names the checkpoint, which therefore exists whenever it does.
  const tensors = new Map();
  const adamSteps: Record<string, number> = {};
  for (const [pname, s] of trainer.optimizerState()) {
    tensors.set(`m.${pname}`, await toHost(s.m));
    tensors.set(`v.${pname}`, await toHost(s.v));
    adamSteps[pname] = s.step;
  }
  await writeFileAtomic(
    join(dir, 'state.safetensors'),
    writeSafetensors(tensors, { format: STATE_FORMAT, step: String(step), checkpoint: name, adamSteps: JSON.stringify(adamSteps) }),
  );
  return name;
}

/** The stylegpu/rosinality writers expect NVIDIA's resample_filter buffers; the model does not keep them. */
function withFilters<T extends { config: { generator: { imgResolution: number } }; generator: Map<string, unknown> }>(ckpt: T): T {
  const f = [1, 3, 3, 1];
  const data = new Float32Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) data[i * 4 + j] = (f[i] * f[j]) / 64;
  const g = new Map(ckpt.generator);
  for (let res = 4; res <= ckpt.config.generator.imgResolution; res *= 2) {
    g.set(`synthesis.b${res}.resample_filter`, { dtype: 'f32', shape: [4, 4], data });
    for (const l of res === 4 ? ['conv1'] : ['conv0', 'conv1']) g.set(`synthesis.b${res}.${l}.resample_filter`, { dtype: 'f32', shape: [4, 4], data });
  }
  return { ...ckpt, generator: g };
}

function parseStateMeta(meta: Record<string, string> | undefined, file: string): { step: number; checkpoint: string; adamSteps: Record<string, number> } {
  if (!meta || meta.format !== STATE_FORMAT) throw new Error(`nada: ${file} is not a stylegpu NADA state file`);
  const step = Number(meta.step);
  if (!Number.isInteger(step) || step < 0 || !meta.checkpoint) throw new Error(`nada: ${file} has a bad step or checkpoint entry`);
  return { step, checkpoint: meta.checkpoint, adamSteps: JSON.parse(meta.adamSteps ?? '{}') };
}

async function writeSampleGrid(rt: Runtime, trainer: NadaTrainer, z: Tensor, file: string, psi: number): Promise<void> {
  const both = rt.tidy(() => {
    const { source, target } = trainer.samples(z, psi);
    return concat([source, target], 0);
  });
  await writeTwoRowGrid(both, file);
}

/** [2n, C, H, W] in [-1, 1] → a PNG grid with n columns (sources above, results below). */
export async function writeTwoRowGrid(both: Tensor, file: string): Promise<void> {
  const data = (await both.read()) as Float32Array;
  const [n, c, h, w] = both.shape;
  both.dispose();
  const images: RasterImage[] = [];
  for (let i = 0; i < n; i++) {
    const px = new Uint8Array(h * w * c);
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) {
        px[p * c + ch] = Math.trunc(Math.min(255, Math.max(0, data[(i * c + ch) * h * w + p] * 127.5 + 128)));
      }
    }
    images.push({ width: w, height: h, channels: c as RasterImage['channels'], data: px });
  }
  await writeFileAtomic(file, encodePng(imageGrid(images, { cols: n / 2, padding: 2 })));
}

/** Loads each CLIP model with its tokenizer; registers their disposal in `disposers`. */
export async function loadClips(rt: Runtime, specs: readonly NadaClipSpec[], vocab: string | undefined, disposers: Array<() => void>): Promise<NadaClip[]> {
  const clips: NadaClip[] = [];
  for (const spec of specs) {
    const { model } = await loadClip(rt, spec.path);
    disposers.push(() => model.dispose());
    const tokenizer = await tokenizerFor(spec.path, vocab);
    model.checkTokenizer(tokenizer);
    clips.push({ name: basename(spec.path), model, tokenizer, weight: spec.weight });
  }
  return clips;
}

async function tokenizerFor(modelPath: string, vocab: string | undefined): Promise<ClipTokenizer> {
  if (vocab) return loadTokenizer(vocab);
  if (statSync(modelPath).isDirectory() && existsSync(join(modelPath, 'vocab.json'))) return loadTokenizer(modelPath);
  // OpenAI .pt and stylegpu files carry no vocabulary: use OpenAI's, shipped with @stylegpu/clip.
  return loadTokenizer();
}

async function readStyleImages(dir: string): Promise<RasterImage[]> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`nada: --style-img-dir ${dir} is not a folder`);
  const files = readdirSync(dir).filter((f) => ['.png', '.jpg', '.jpeg'].includes(extname(f).toLowerCase())).sort();
  if (!files.length) throw new Error(`nada: --style-img-dir ${dir} holds no PNG or JPEG images`);
  const out: RasterImage[] = [];
  for (const f of files) {
    try {
      out.push(decodeImage(await readFileBytes(join(dir, f)), { channels: 3 }));
    } catch (err) {
      throw new Error(`nada: cannot read style image ${join(dir, f)}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** HWC uint8 → [1, 3, H, W] in [0, 1]. */
function imageTensor(rt: Runtime, img: RasterImage): Tensor {
  const { width: w, height: h, data } = img;
  const chw = new Float32Array(3 * h * w);
  for (let p = 0; p < h * w; p++) for (let c = 0; c < 3; c++) chw[c * h * w + p] = data[p * 3 + c] / 255;
  return rt.tensor(chw, [1, 3, h, w]);
}

