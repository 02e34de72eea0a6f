/**
 * A whole StyleGAN-NADA run on disk (Node): load the generators and CLIP models, train with
 * progress, write sample grids and checkpoints, and resume from the last one.
 *
 *   <outputDir>/sample/dst_{step:06d}.png        n_sample source images (top) and adapted (bottom)
 *   <outputDir>/checkpoint/{step:06d}.safetensors the adapted generator, stylegpu format
 *   <outputDir>/checkpoint/{step:06d}.pt          the same in rosinality's layout (with exportRosinality)
 *   <outputDir>/checkpoint/state.safetensors      what a resume needs: the step, Adam's moments and step
 *                                                 counts, the checkpoint it goes with, the run's options
 *
 * Every file is written atomically (temp file, fsync, rename), the state last, so a run killed at any
 * point resumes from a consistent (checkpoint, state) pair. Nothing else needs saving: z's, mixing and
 * adaptive layer selection draw from (seed, step), and selection is redone at every step.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import {
  type HostTensor,
  type RasterImage,
  decodeImage,
  encodePng,
  imageGrid,
  readFileBytes,
  readSafetensors,
  writeFileAtomic,
  writeSafetensors,
} from '@stylegpu/io';
import {
  type Runtime,
  type Tensor,
  concat,
  fromHost,
  randomNormal,
  toHost,
} from '@stylegpu/kernels';
import { Generator, type StyleGanCheckpoint, exportRosinality, loadStyleGanCheckpoint, saveStyleGanCheckpoint } from '@stylegpu/stylegan';
import { type ClipCheckpoint, type ClipConfig, ClipModel, type TextTokenizer, loadClip, loadClipCheckpoint, loadClipTokenizer, wordVocabularyOf } from '@stylegpu/clip/node';
import { NADA_DEFAULTS, type NadaClip, NadaDivergedError, type NadaOptions, type NadaStepResult, NadaTrainer } from './nada-trainer.js';

export interface NadaClipSpec {
  /** A CLIP checkpoint file or Hugging Face folder, or an embedded name (`embedded:shapes32-clip`). */
  path: string;
  weight: number;
}

export interface NadaRunOptions extends Omit<NadaOptions, 'targetImages'> {
  frozenGenCkpt: string;
  /** Defaults to the frozen checkpoint (as the official `--train_gen_ckpt`). */
  trainGenCkpt?: string;
  clipModels: NadaClipSpec[];
  /** BPE vocabulary for CLIP files that carry none (OpenAI .pt, stylegpu BPE models); word models always read their own. */
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

/** A CLIP model read from disk, not yet on the GPU. */
export interface NadaClipData {
  name: string;
  checkpoint: ClipCheckpoint;
  tokenizer: TextTokenizer;
  weight: number;
}

/** What a resumed run continues from, as read from `<outputDir>/checkpoint/state.safetensors`. */
export interface NadaResumeState {
  file: string;
  step: number;
  /** The checkpoint file the state names (in the same folder). */
  checkpoint: string;
  generator: StyleGanCheckpoint;
  adam: Map<string, { step: number; m: HostTensor; v: HostTensor }>;
}

/** Everything a run reads from disk, read and checked on the CPU before a GPU buffer is made or a file written. */
export interface NadaInputs {
  frozen: StyleGanCheckpoint;
  /** Initial weights of the trained generator (a resume still starts from them, for the image direction, then loads its checkpoint). */
  train: StyleGanCheckpoint;
  clips: NadaClipData[];
  targetImages: RasterImage[] | null;
  resume: NadaResumeState | null;
}

/**
 * The options that define a run's trajectory. A resume must repeat them (it refuses otherwise):
 * with them, (seed, step) fixes every z and mixing draw, so a resumed run takes the steps the
 * uninterrupted one would. `--lr` and `--iter` may change, e.g. to go on at a lower rate.
 */
function runIdentity(o: NadaRunOptions): Record<string, unknown> {
  const d = { ...NADA_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as typeof NADA_DEFAULTS & NadaRunOptions;
  return {
    'frozen-gen-ckpt': basename(d.frozenGenCkpt),
    'train-gen-ckpt': d.trainGenCkpt ? basename(d.trainGenCkpt) : null,
    'source-class': d.sourceClass,
    'target-class': d.targetClass ?? null,
    'style-img-dir': d.styleImgDir ? basename(d.styleImgDir) : null,
    'clip-models': d.clipModels.map((c) => `${basename(c.path)}×${c.weight}`).join(','),
    batch: d.batch,
    phase: d.phase,
    mixing: d.mixing,
    seed: d.seed,
    'lambda-direction': d.lambdaDirection,
    'lambda-global': d.lambdaGlobal,
    // A state saved before templates were recorded has no key for them and is not checked on it.
    templates: d.templates ? [...d.templates] : null,
    'auto-layer-k': d.autoLayerK,
    'auto-layer-iters': d.autoLayerIters,
    'auto-layer-batch': d.autoLayerBatch,
  };
}

export async function readNadaInputs(o: NadaRunOptions): Promise<NadaInputs> {
  if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new Error(`nada: --iter must be a positive integer, got ${o.iterations}`);
  if (!o.clipModels.length) throw new Error('nada: give at least one CLIP model (--clip-models)');
  const targetImages = o.styleImgDir ? await readStyleImages(o.styleImgDir) : null;
  const frozen = await loadStyleGanCheckpoint(o.frozenGenCkpt);
  const train = o.trainGenCkpt ? await loadStyleGanCheckpoint(o.trainGenCkpt) : frozen;
  const clips: NadaClipData[] = [];
  for (const spec of o.clipModels) {
    const checkpoint = await loadClipCheckpoint(spec.path);
    const tokenizer = await tokenizerFor(spec.path, checkpoint.config, o.clipVocab);
    clips.push({ name: basename(spec.path), checkpoint, tokenizer, weight: spec.weight });
  }
  const resume = o.resume ? await readResumeState(o) : null;
  return { frozen, train, clips, targetImages, resume };
}

/** The saved state of an earlier run in `o.outputDir`, or null when there is none; refuses a state of a different run. */
export async function readResumeState(o: NadaRunOptions): Promise<NadaResumeState | null> {
  const dir = join(o.outputDir, 'checkpoint');
  const file = join(dir, 'state.safetensors');
  if (!existsSync(file)) return null;
  let saved;
  try {
    saved = readSafetensors(await readFileBytes(file));
  } catch (e) {
    throw new Error(`nada: ${file}: cannot read it (${(e as Error).message}); delete the checkpoint folder to start over`);
  }
  const meta = parseStateMeta(saved.metadata, file);
  if (meta.run) {
    const now = runIdentity(o);
    for (const [k, v] of Object.entries(meta.run)) {
      if (JSON.stringify(now[k]) !== JSON.stringify(v)) {
        throw new Error(`nada: ${file}: saved by a run with --${k} ${JSON.stringify(v)}, this one has ${JSON.stringify(now[k])}; resume with the same settings, or use another --output-dir`);
      }
    }
  }
  const ckptFile = join(dir, meta.checkpoint);
  let generator;
  try {
    generator = await loadStyleGanCheckpoint(ckptFile);
  } catch (e) {
    throw new Error(`nada: ${file}: names the checkpoint ${ckptFile}, which cannot be read (${(e as Error).message}); delete the checkpoint folder to start over`);
  }
  const adam = new Map<string, { step: number; m: HostTensor; v: HostTensor }>();
  for (const [name, step] of Object.entries(meta.adamSteps)) {
    const m = saved.tensors.get(`m.${name}`);
    const v = saved.tensors.get(`v.${name}`);
    if (!m || !v) throw new Error(`nada: ${file}: lacks the Adam moments of ${name}; delete the checkpoint folder to start over`);
    adam.set(name, { step, m, v });
  }
  return { file, step: meta.step, checkpoint: meta.checkpoint, generator, adam };
}

export async function runNada(rt: Runtime, o: NadaRunOptions, inputs?: NadaInputs): Promise<{ steps: number; lastLoss: number; checkpoint: string }> {
  // Everything that can fail on bad input is read before any output is written.
  const input = inputs ?? (await readNadaInputs(o));
  const frozen = Generator.fromWeights(rt, input.frozen.config.generator, input.frozen.generator);
  const disposers: Array<() => void> = [() => frozen.dispose()];
  try {
    const resume = input.resume;
    // The trainable generator starts from the initial weights even when resuming: the trainer derives
    // the image direction from it (official: from G_train at start-up); the saved weights go in after.
    const trainable = Generator.fromWeights(rt, input.train.config.generator, input.train.generator);
    disposers.push(() => trainable.dispose());
    if (trainable.config.imgResolution !== frozen.config.imgResolution) {
      throw new Error(`nada: the frozen (${frozen.config.imgResolution} px) and trainable (${trainable.config.imgResolution} px) generators have different resolutions`);
    }

    const clips: NadaClip[] = input.clips.map((c) => {
      const model = ClipModel.fromWeights(rt, c.checkpoint.config, c.checkpoint.weights);
      disposers.push(() => model.dispose());
      return { name: c.name, model, tokenizer: c.tokenizer, weight: c.weight };
    });
    const targetImages = input.targetImages?.map((img) => rt.keep(imageTensor(rt, img)));
    disposers.push(() => targetImages?.forEach((t) => t.dispose()));

    const trainer = new NadaTrainer(rt, frozen, trainable, clips, { ...o, targetImages });
    disposers.push(() => trainer.dispose());
    if (resume) {
      loadWeightsInto(rt, trainable, resume.generator, join(o.outputDir, 'checkpoint', resume.checkpoint));
      const state = new Map<string, { step: number; m: Tensor; v: Tensor }>();
      for (const [name, s] of resume.adam) state.set(name, { step: s.step, m: fromHost(rt, s.m), v: fromHost(rt, s.v) });
      try {
        trainer.restore(resume.step, state);
      } finally {
        for (const s of state.values()) {
          s.m.dispose();
          s.v.dispose();
        }
      }
    }

    await mkdir(join(o.outputDir, 'sample'), { recursive: true });
    await mkdir(join(o.outputDir, 'checkpoint'), { recursive: true });
    if (resume) for (const d of ['sample', 'checkpoint']) await removeStaleTemps(join(o.outputDir, d));
    const sampleZ = rt.keep(randomNormal(rt, [o.nSample ?? 4, frozen.config.zDim], { seed: (o.seed ?? 2) + 1, offset: 0 }));
    disposers.push(() => sampleZ.dispose());

    let lastLoss = NaN;
    let checkpoint = resume?.checkpoint ?? '';
    let savedStep = resume?.step ?? null;
    const diverged = (e: NadaDivergedError): NadaDivergedError =>
      new NadaDivergedError(
        e.step,
        e.term,
        e.value,
        savedStep === null
          ? 'no checkpoint had been written; lower the learning rate or the loss weights and start again'
          : `the last good checkpoint is ${join(o.outputDir, 'checkpoint', checkpoint)} (step ${savedStep}); lower the learning rate and go on from it with resume (--resume)`,
        e.found,
      );
    const t0 = performance.now();
    const startStep = trainer.step;
    while (trainer.step < o.iterations) {
      let r;
      try {
        r = await trainer.trainStep();
      } catch (e) {
        throw e instanceof NadaDivergedError ? diverged(e) : e;
      }
      lastLoss = r.loss;
      const done = trainer.step;
      o.onStep?.({ ...r, stepsPerSecond: (done - startStep) / ((performance.now() - t0) / 1000) });
      if (o.outputInterval > 0 && (r.step % o.outputInterval === 0 || done === o.iterations)) {
        await writeSampleGrid(rt, trainer, sampleZ, join(o.outputDir, 'sample', `dst_${pad(r.step)}.png`), o.sampleTruncation ?? 0.7);
      }
      if ((o.saveInterval > 0 && done % o.saveInterval === 0) || done === o.iterations) {
        try {
          checkpoint = await saveCheckpoint(trainer, input.train.config, o, done);
        } catch (e) {
          throw e instanceof NadaDivergedError ? diverged(e) : e;
        }
        savedStep = done;
      }
    }
    return { steps: trainer.step, lastLoss, checkpoint: join(o.outputDir, 'checkpoint', checkpoint) };
  } finally {
    for (const d of disposers.reverse()) d();
  }
}

/** Overwrites every parameter of `g` with the checkpoint's tensor of the same name and shape. */
function loadWeightsInto(rt: Runtime, g: Generator, ckpt: StyleGanCheckpoint, file: string): void {
  for (const [name, param] of g.params) {
    const h = ckpt.generator.get(name);
    if (!h || h.shape.length !== param.shape.length || h.shape.some((d, i) => d !== param.shape[i])) {
      throw new Error(`nada: ${file}: ${h ? `has ${name} of shape [${h.shape.join(', ')}], the run's generator [${param.shape.join(', ')}]` : `lacks ${name}`}; delete the checkpoint folder to start over`);
    }
    const t = fromHost(rt, h);
    try {
      rt.copy(t, param);
    } finally {
      t.dispose();
    }
  }
}

/**
 * Temp files of atomic writes (`.<name>.<pid>.<hex>.tmp`) left by a killed run: removed when a run
 * resumes in the folder, unless their writer is still alive.
 */
async function removeStaleTemps(dir: string): Promise<void> {
  for (const f of readdirSync(dir)) {
    const m = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(f);
    if (!m || isAlive(Number(m[1]))) continue;
    await unlink(join(dir, f)).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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
  for (const [name, t] of trainer.trainable.params) {
    const h = await toHost(t);
    // The weights are read back here anyway: an update that overflowed must not overwrite a good checkpoint.
    const bad = (h.data as Float32Array).findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new NadaDivergedError(step, name, (h.data as Float32Array)[bad], undefined, 'weights');
    weights.set(name, h);
  }
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
    writeSafetensors(tensors, {
      format: STATE_FORMAT,
      step: String(step),
      checkpoint: name,
      adamSteps: JSON.stringify(adamSteps),
      run: JSON.stringify(runIdentity(o)),
    }),
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

function parseStateMeta(
  meta: Record<string, string> | undefined,
  file: string,
): { step: number; checkpoint: string; adamSteps: Record<string, number>; run: Record<string, unknown> | null } {
  const redo = 'delete the checkpoint folder to start over';
  if (!meta || meta.format !== STATE_FORMAT) throw new Error(`nada: ${file}: not a stylegpu NADA state file; ${redo}`);
  const step = Number(meta.step);
  if (!Number.isInteger(step) || step < 0 || !meta.checkpoint || basename(meta.checkpoint) !== meta.checkpoint) {
    throw new Error(`nada: ${file}: a bad step or checkpoint entry; ${redo}`);
  }
  try {
    return { step, checkpoint: meta.checkpoint, adamSteps: JSON.parse(meta.adamSteps ?? '{}'), run: meta.run ? JSON.parse(meta.run) : null };
  } catch {
    throw new Error(`nada: ${file}: unreadable metadata; ${redo}`);
  }
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

/** Loads each CLIP model with its tokenizer; registers their disposal in `disposers`. (The latent mapper's run.) */
export async function loadClips(rt: Runtime, specs: readonly NadaClipSpec[], vocab: string | undefined, disposers: Array<() => void>): Promise<NadaClip[]> {
  const clips: NadaClip[] = [];
  for (const spec of specs) {
    const { model, config } = await loadClip(rt, spec.path);
    disposers.push(() => model.dispose());
    const tokenizer = await tokenizerFor(spec.path, config, vocab);
    clips.push({ name: basename(spec.path), model, tokenizer, weight: spec.weight });
  }
  return clips;
}

/**
 * The tokenizer the CLIP model at `modelPath` was trained with (`loadClipTokenizer`): a word model's own
 * vocabulary, a Hugging Face folder's BPE, else `vocab` or OpenAI's BPE; checked against `config`.
 * `vocab` is the run's (`--clip-vocab`, for every model that carries none): a word model keeps its own.
 */
export async function tokenizerFor(modelPath: string, config: ClipConfig, vocab: string | undefined): Promise<TextTokenizer> {
  try {
    return (await loadClipTokenizer(modelPath, config, { vocab: wordVocabularyOf(modelPath) === null ? vocab : undefined })).tokenizer;
  } catch (e) {
    throw new Error(`nada: ${(e as Error).message}`);
  }
}

export async function readStyleImages(dir: string): Promise<RasterImage[]> {
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

