/**
 * `stylegpu project`: optimisation-based inversion of one image, with the flags and outputs of NVIDIA's
 * stylegan2-ada-pytorch `projector.py` (`--network --target --num-steps --seed --save-video --outdir`; writes
 * target.png, proj.png and projected_w.npz, key `w`, [1, num_ws, w_dim] float32, read by
 * `stylegpu generate --projected-w`), plus `--space w|w+|s|overparam|overparam-spatial` and the perceptual term:
 * `--lpips` (torchvision VGG16 + lpips heads; NVIDIA's projector uses this distance) or `--clip-model`, else MSE.
 * Spaces without a W+ form (s, overparam*) write projected_latent.safetensors (the latent tensors and noise maps).
 * `--save-video` writes proj.gif (target | reconstruction, up to 200 frames at 10 fps, halves ≤ 256 px) where NVIDIA
 * writes proj.mp4.
 *
 * Also here: `stylegpu translate` (invert with one generator, synthesise with another of the same architecture)
 * and `stylegpu compare-inversions` (the Markdown table of PSNR / SSIM / interpolation path ratio per space).
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { type HostTensor, type RasterImage, decodeImage, encodePng, writeNpz, writeSafetensors } from '@stylegpu/io';
import { type Runtime, type Tensor, createRuntime } from '@stylegpu/kernels';
import { type StyleGanCheckpoint, Generator, randomStateRandn } from '@stylegpu/stylegan';
import { ClipModel } from '@stylegpu/clip';
import {
  type LpipsWeights,
  type PerceptualDistance,
  type ProjectionResult,
  type ProjectionSpace,
  type ProjectionTarget,
  LpipsVgg16,
  PROJECTION_SPACES,
  clipImageDistance,
  compareInversions,
  comparisonMarkdown,
  latentStats,
  loadLpipsWeights,
  lpipsDistance,
  optimisationGif,
  toUint8,
  project,
  projectionTarget,
  translateImage,
} from '@stylegpu/invert/node';
import { CliError, oneLine } from '../cli-error.js';
import { checkOutputFolder, readInput } from '../file-checks.js';
import { OutputFolder } from '../output-folder.js';
import { progress } from '../progress.js';
import { type ClipCheckpointData, readClip, readStyleGan, reason } from '../read-models.js';
import { describeKind, sniffKind } from '../sniff.js';
import { toUint8Hwc } from '../to-uint8.js';

interface PerceptualFlags {
  lpips?: string;
  clipModel?: string;
  mseWeight?: string;
}

interface ProjectFlags extends PerceptualFlags {
  wAvgSamples: string;
  network: string;
  target: string;
  space: ProjectionSpace;
  numSteps: string;
  seed: string;
  saveVideo?: boolean;
  outdir: string;
}

/** `project`, `translate` and `compare-inversions`, registered together. */
export function projectCommands(): Command[] {
  return [projectCommand(), translateCommand(), compareCommand()];
}

const spaceOption = () => new Option('--space <space>', 'latent space to optimise').choices([...PROJECTION_SPACES]).default('w');

function withPerceptual(cmd: Command): Command {
  return cmd
    .option('--lpips <files>', "LPIPS-VGG16 weights: torchvision's vgg16 .pth and the lpips vgg.pth, comma-separated (or one file with both)")
    .option('--clip-model <path>', 'use CLIP image features as the perceptual term (when no --lpips): a CLIP checkpoint or embedded:shapes32-clip (images only: no tokenizer is read)')
    .option('--mse-weight <w>', 'weight of the pixel MSE term (default 0 with a perceptual term, as NVIDIA; 1 without)');
}

export function projectCommand(): Command {
  return withPerceptual(
    new Command('project')
      .description("Project an image into a StyleGAN2 latent space (NVIDIA projector.py's optimisation)")
      .requiredOption('--network <path>', 'checkpoint file')
      .requiredOption('--target <file>', 'target image (PNG or JPEG; centre-cropped and resized to the generator resolution)')
      .addOption(spaceOption())
      .option('--num-steps <n>', 'optimisation steps', '1000')
      .option('--seed <n>', 'random seed', '303')
      .option('--save-video', 'also write proj.gif: target and reconstruction at every step')
      .option('--w-avg-samples <n>', 'z samples for w_avg and w_std (projector.py: 10000)', '10000')
      .requiredOption('--outdir <dir>', 'where to save the results'),
  ).action(async (opts: ProjectFlags) => runProject(opts));
}

function integerFlag(what: string, value: string, min: number, meaning: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new CliError(what, `'${value}'`, min > 0 ? 'not a positive integer' : 'not a non-negative integer', `give ${meaning}`);
  return n;
}

/** Reads, decodes, crops and resizes the target on the CPU, every failure as one CliError line. */
async function readTarget(what: string, path: string, ckpt: StyleGanCheckpoint): Promise<ProjectionTarget> {
  const todo = 'give a PNG or JPEG image';
  const bytes = await readInput(what, path);
  const kind = sniffKind(bytes);
  if (kind !== 'png' && kind !== 'jpeg') throw new CliError(what, path, `holds ${describeKind(kind)}, not an image`, todo);
  let image: RasterImage;
  try {
    image = decodeImage(bytes);
  } catch (e) {
    throw new CliError(what, path, `cannot decode it (${reason(e)})`, 'give an undamaged PNG or JPEG image');
  }
  const { imgResolution: R, imgChannels: C } = ckpt.config.generator;
  try {
    return projectionTarget(image, R, C, '');
  } catch (e) {
    const why = oneLine((e as Error).message).replace(/^:\s*/, '');
    const [first, ...rest] = why.split('; ');
    throw new CliError(what, path, first, rest.join('; ') || todo);
  }
}

interface PerceptualInputs {
  lpips: LpipsWeights | null;
  clip: ClipCheckpointData | null;
  mseWeight: number | undefined;
}

async function readPerceptual(cmd: string, f: PerceptualFlags): Promise<PerceptualInputs> {
  let lpips: LpipsWeights | null = null;
  if (f.lpips) {
    const files = f.lpips.split(',').map((s) => s.trim()).filter(Boolean);
    for (const file of files) await readInput(`${cmd} --lpips`, file);
    try {
      lpips = await loadLpipsWeights(files);
    } catch (e) {
      // loadLpipsWeights names the files itself ('a + b: why; what to do' or 'LPIPS weights a: why; …'): keep the why.
      const why = reason(e).replace(/^LPIPS weights \S+: /, '').replace(`${files.join(' + ')}: `, '').split('; ')[0];
      throw new CliError(`${cmd} --lpips`, f.lpips, why, "give torchvision's vgg16 .pth and the lpips package's vgg.pth");
    }
  }
  const clip = !lpips && f.clipModel ? await readClip(`${cmd} --clip-model`, f.clipModel) : null;
  let mseWeight: number | undefined;
  if (f.mseWeight !== undefined) {
    mseWeight = Number(f.mseWeight);
    if (f.mseWeight.trim() === '' || !Number.isFinite(mseWeight) || mseWeight < 0) throw new CliError(`${cmd} --mse-weight`, `'${f.mseWeight}'`, 'not a number ≥ 0', 'give a weight, for example 1');
  }
  return { lpips, clip, mseWeight };
}

/** GPU models of the perceptual term, and a factory of distances to a target. */
function perceptualModels(rt: Runtime, p: PerceptualInputs): { make: ((target: Tensor) => PerceptualDistance) | null; lpips: LpipsVgg16 | null; dispose(): void } {
  const lpips = p.lpips ? new LpipsVgg16(rt, p.lpips) : null;
  const clip = p.clip ? ClipModel.fromWeights(rt, p.clip.config, p.clip.weights) : null;
  const make = lpips ? (t: Tensor) => lpipsDistance(lpips, t) : clip ? (t: Tensor) => clipImageDistance(clip, t) : null;
  return { make, lpips, dispose: () => (lpips?.dispose(), clip?.dispose()) };
}

function png(data: Float32Array | Uint8Array, C: number, R: number): Uint8Array {
  const px = data instanceof Float32Array ? toUint8Hwc(data, C, R, R) : chwToHwc(data, C, R);
  return encodePng({ width: R, height: R, channels: C as RasterImage['channels'], data: px });
}

function chwToHwc(chw: Uint8Array, C: number, R: number): Uint8Array {
  const out = new Uint8Array(chw.length);
  for (let c = 0; c < C; c++) for (let i = 0; i < R * R; i++) out[i * C + c] = chw[c * R * R + i];
  return out;
}

/** projected_w.npz for W / W+ (as NVIDIA), projected_latent.safetensors otherwise. */
async function writeLatent(out: OutputFolder, r: ProjectionResult, numWs: number, wDim: number): Promise<void> {
  if (r.ws) {
    await out.write('projected_w.npz', writeNpz({ w: { dtype: 'f32', shape: [1, numWs, wDim], data: r.ws } }));
    return;
  }
  const tensors = new Map<string, HostTensor>();
  for (const l of r.latent) tensors.set(`latent.${l.name}`, { dtype: 'f32', shape: l.shape, data: l.data });
  for (const [name, data] of r.noise) {
    const side = Math.round(Math.sqrt(data.length));
    tensors.set(`noise.${name}`, { dtype: 'f32', shape: [side, side], data });
  }
  await out.write('projected_latent.safetensors', writeSafetensors(tensors, { space: r.space }));
}

export async function runProject(opts: ProjectFlags): Promise<void> {
  const numSteps = integerFlag('project --num-steps', opts.numSteps, 1, 'the number of optimisation steps, for example 1000');
  const seed = integerFlag('project --seed', opts.seed, 0, 'a seed, for example 303');
  const samples = integerFlag('project --w-avg-samples', opts.wAvgSamples, 1, 'a number of z samples, for example 10000');
  await checkOutputFolder('project --outdir', opts.outdir);
  const ckpt = await readStyleGan('project --network', opts.network);
  const cfg = ckpt.config.generator;
  if (cfg.cDim > 0) throw new CliError('project --network', opts.network, `is conditional (${cfg.cDim} classes)`, 'give an unconditional generator');
  const target = await readTarget('project --target', opts.target, ckpt);
  const perceptualInputs = await readPerceptual('project', opts);

  const rt = await createRuntime();
  let G: Generator | null = null;
  let out: OutputFolder | null = null;
  let models: ReturnType<typeof perceptualModels> | null = null;
  let targetT: Tensor | null = null;
  let perceptual: PerceptualDistance | null = null;
  try {
    G = Generator.fromWeights(rt, cfg, ckpt.generator);
    models = perceptualModels(rt, perceptualInputs);
    const R = cfg.imgResolution;
    const C = cfg.imgChannels;
    targetT = rt.tensor(target.tensor, [1, C, R, R]);
    perceptual = models.make?.(targetT) ?? null;
    out = await OutputFolder.open('project --outdir', opts.outdir);
    const stats = await latentStats(rt, G, { samples });
    const bar = progress(`project (${opts.space}, ${perceptual?.kind ?? 'mse'})`, numSteps);
    // At most ~200 frames (NVIDIA's video has one per step), kept as 8-bit planes.
    const frameEvery = opts.saveVideo ? Math.max(1, Math.ceil(numSteps / 200)) : 0;
    const frames: Uint8Array[] = [];
    const result = await project(rt, G, targetT, {
      space: opts.space,
      numSteps,
      seed,
      stats,
      perceptual,
      mseWeight: perceptualInputs.mseWeight,
      frameEvery,
      onStep: (s) => {
        if (s.frame) frames.push(toUint8(s.frame));
        bar.tick({ loss: s.loss.toPrecision(4) });
      },
    });
    bar.stop();
    await out.write('target.png', png(target.pixels, C, R));
    await out.write('proj.png', png(result.image, C, R));
    await writeLatent(out, result, G.numWs, cfg.wDim);
    if (opts.saveVideo) await out.write('proj.gif', optimisationGif(target.pixels, frames, C, R));
  } catch (e) {
    await out?.discard();
    throw e;
  } finally {
    perceptual?.dispose();
    targetT?.dispose();
    models?.dispose();
    G?.dispose();
    rt.destroy();
  }
}

// ------------------------------------------------------------------------------------------- translate

interface TranslateFlags extends PerceptualFlags {
  wAvgSamples: string;
  network: string;
  toNetwork: string;
  target: string;
  space: ProjectionSpace;
  numSteps: string;
  seed: string;
  outdir: string;
}

function translateCommand(): Command {
  return withPerceptual(
    new Command('translate')
      .description('Image-to-image translation: invert an image with --network, synthesise it with --to-network (e.g. an adapted copy)')
      .requiredOption('--network <path>', 'the generator to invert with')
      .requiredOption('--to-network <path>', 'the generator to synthesise with (same architecture)')
      .requiredOption('--target <file>', 'the image to translate (PNG or JPEG)')
      .addOption(spaceOption().default('w+'))
      .option('--num-steps <n>', 'optimisation steps', '1000')
      .option('--seed <n>', 'random seed', '303')
      .option('--w-avg-samples <n>', 'z samples for w_avg and w_std (projector.py: 10000)', '10000')
      .requiredOption('--outdir <dir>', 'where to save target.png, proj.png, translated.png and the latent'),
  ).action(async (opts: TranslateFlags) => runTranslate(opts));
}

export async function runTranslate(opts: TranslateFlags): Promise<void> {
  const numSteps = integerFlag('translate --num-steps', opts.numSteps, 1, 'the number of optimisation steps, for example 1000');
  const seed = integerFlag('translate --seed', opts.seed, 0, 'a seed, for example 303');
  const samples = integerFlag('translate --w-avg-samples', opts.wAvgSamples, 1, 'a number of z samples, for example 10000');
  await checkOutputFolder('translate --outdir', opts.outdir);
  const src = await readStyleGan('translate --network', opts.network);
  const dst = await readStyleGan('translate --to-network', opts.toNetwork);
  const a = src.config.generator;
  const b = dst.config.generator;
  if (a.imgResolution !== b.imgResolution || a.wDim !== b.wDim || JSON.stringify(a.synthesis.channels) !== JSON.stringify(b.synthesis.channels)) {
    throw new CliError('translate --to-network', opts.toNetwork, `has another architecture than ${opts.network} (${b.imgResolution} px vs ${a.imgResolution} px, or other channels)`, 'give a generator adapted from --network');
  }
  const target = await readTarget('translate --target', opts.target, src);
  const perceptualInputs = await readPerceptual('translate', opts);
  const rt = await createRuntime();
  const made: Array<{ dispose(): void }> = [];
  let out: OutputFolder | null = null;
  try {
    const Ga = Generator.fromWeights(rt, a, src.generator);
    made.push(Ga);
    const Gb = Generator.fromWeights(rt, b, dst.generator);
    made.push(Gb);
    const models = perceptualModels(rt, perceptualInputs);
    made.push(models);
    const R = a.imgResolution;
    const C = a.imgChannels;
    const targetT = rt.tensor(target.tensor, [1, C, R, R]);
    made.push(targetT);
    const perceptual = models.make?.(targetT) ?? null;
    if (perceptual) made.push(perceptual);
    out = await OutputFolder.open('translate --outdir', opts.outdir);
    const bar = progress(`translate (${opts.space})`, numSteps);
    const r = await translateImage(rt, Ga, Gb, targetT, { space: opts.space, numSteps, seed, perceptual, mseWeight: perceptualInputs.mseWeight, wAvgSamples: samples, onStep: (s) => bar.tick({ loss: s.loss.toPrecision(4) }) });
    bar.stop();
    await out.write('target.png', png(target.pixels, C, R));
    await out.write('proj.png', png(r.projection.image, C, R));
    await out.write('translated.png', png(r.image, C, R));
    await writeLatent(out, r.projection, Ga.numWs, a.wDim);
  } catch (e) {
    await out?.discard();
    throw e;
  } finally {
    for (const m of made.reverse()) m.dispose();
    rt.destroy();
  }
}

// ----------------------------------------------------------------------------------- compare-inversions

interface CompareFlags extends PerceptualFlags {
  wAvgSamples: string;
  network: string;
  images?: string;
  seeds?: string;
  spaces: string;
  numSteps: string;
  seed: string;
  out: string;
}

function compareCommand(): Command {
  return withPerceptual(
    new Command('compare-inversions')
      .description('Invert held-out images in several spaces; write a Markdown table of PSNR, SSIM and interpolation path ratio')
      .requiredOption('--network <path>', 'checkpoint file')
      .option('--images <dir>', 'folder of held-out PNG/JPEG images (pairs in name order are interpolated)')
      .option('--seeds <n>', 'instead of --images: this many images generated by the network (random noise)')
      .option('--spaces <list>', `comma-separated, from ${PROJECTION_SPACES.join(', ')}`, 'w,w+,s,overparam')
      .option('--num-steps <n>', 'optimisation steps per inversion', '1000')
      .option('--seed <n>', 'random seed', '303')
      .option('--w-avg-samples <n>', 'z samples for w_avg and w_std (projector.py: 10000)', '10000')
      .requiredOption('--out <file>', 'the Markdown file to write'),
  ).action(async (opts: CompareFlags) => runCompare(opts));
}

export async function runCompare(opts: CompareFlags): Promise<void> {
  const numSteps = integerFlag('compare-inversions --num-steps', opts.numSteps, 1, 'the number of optimisation steps');
  const seed = integerFlag('compare-inversions --seed', opts.seed, 0, 'a seed');
  const samples = integerFlag('compare-inversions --w-avg-samples', opts.wAvgSamples, 1, 'a number of z samples, for example 10000');
  const spaces = opts.spaces.split(',').map((s) => s.trim()) as ProjectionSpace[];
  for (const s of spaces) if (!PROJECTION_SPACES.includes(s)) throw new CliError('compare-inversions --spaces', `'${s}'`, 'not a space', `choose from ${PROJECTION_SPACES.join(', ')}`);
  if (!opts.images === !opts.seeds) throw new CliError('compare-inversions', '', 'give either --images or --seeds', 'pass a folder of held-out images, or a number of generated ones');
  const ckpt = await readStyleGan('compare-inversions --network', opts.network);
  const cfg = ckpt.config.generator;
  const targets: Float32Array[] = [];
  if (opts.images) {
    let names: string[];
    try {
      names = (await readdir(opts.images)).filter((n) => /\.(png|jpe?g)$/i.test(n)).sort();
    } catch (e) {
      throw new CliError('compare-inversions --images', opts.images, reason(e), 'give a folder of PNG or JPEG images');
    }
    if (names.length === 0) throw new CliError('compare-inversions --images', opts.images, 'holds no .png or .jpg files', 'give a folder of PNG or JPEG images');
    for (const n of names) targets.push((await readTarget('compare-inversions --images', join(opts.images, n), ckpt)).tensor);
  }
  const count = opts.seeds ? integerFlag('compare-inversions --seeds', opts.seeds, 1, 'a number of images') : 0;
  const outDir = dirname(opts.out);
  await checkOutputFolder('compare-inversions --out', outDir);
  const perceptualInputs = await readPerceptual('compare-inversions', opts);
  const rt = await createRuntime();
  let G: Generator | null = null;
  let models: ReturnType<typeof perceptualModels> | null = null;
  try {
    G = Generator.fromWeights(rt, cfg, ckpt.generator);
    models = perceptualModels(rt, perceptualInputs);
    for (let i = 0; i < count; i++) targets.push(await generatedTarget(rt, G, seed + 1000 + i));
    const bar = progress('compare-inversions', spaces.length * targets.length);
    const rows = await compareInversions(rt, G, targets, {
      stats: await latentStats(rt, G, { samples }),
      spaces,
      numSteps,
      seed,
      perceptual: models.make ?? undefined,
      lpips: models.lpips ?? undefined,
      onProgress: () => bar.tick(),
    });
    bar.stop();
    const caption = `Inversions of ${targets.length} ${opts.images ? `images from ${opts.images}` : 'generated images'} with ${opts.network}, ${numSteps} steps, ${perceptualInputs.lpips ? 'LPIPS' : perceptualInputs.clip ? 'CLIP' : 'MSE'} loss.`;
    const folder = await OutputFolder.open('compare-inversions --out', outDir);
    await folder.write(basename(opts.out), new TextEncoder().encode(comparisonMarkdown(rows, caption)));
    process.stdout.write(comparisonMarkdown(rows, caption));
  } finally {
    models?.dispose();
    G?.dispose();
    rt.destroy();
  }
}

async function generatedTarget(rt: Runtime, G: Generator, seed: number): Promise<Float32Array> {
  const { zDim } = G.config;
  const img = rt.noGrad(() => rt.tidy(() => G.synthesis(G.mapping(rt.tensor(Float32Array.from(randomStateRandn(seed, zDim)), [1, zDim])), { noiseMode: 'random', noiseSeed: seed })));
  const data = (await img.read()) as Float32Array;
  img.dispose();
  return data;
}
