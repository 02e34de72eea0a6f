/**
 * `stylegpu adapt styledomain`: StyleDomain's text-driven single-domain adaptation
 * (AIRI-Institute/StyleDomain `SimilarDomains`, `td_single` trainer) with any parameterisation.
 * Flags carry the names of its config keys, dashed: `--patch-key` (s_delta, original, …),
 * `--phase`, `--no-coarse/--no-medium/--no-fine`, `--visual-encoders`, `--loss-funcs` with
 * `--loss-coefs`, `--iter-num`, `--batch-size`, `--mixing-noise`. Defaults are the
 * `td_nada_ffhq_sdelta` config's: s_delta, 250 steps, batch 4, Adam lr 0.05 (0.9, 0.999),
 * direction 1.0 + indomain 0.25, mixing 0.9, coarse heads frozen.
 *
 * Output: s_delta writes the direction as `models_{iter}.pt` in the official layout; every other
 * parameterisation writes the adapted generator as `checkpoint/{iter:06d}.pt` (NADA's layout).
 * Both also write `samples.png` (source row over adapted row).
 *
 * `--visual-encoders` takes the same CLIP models as `adapt nada --clip-models` (embedded names too), each
 * read with its own tokenizer; `--templates` as there (StyleDomain averages over NADA's ImageNet templates).
 */
import { basename, join } from 'node:path';
import { Command } from 'commander';
import { decodeImage, readNpy, readNpz, toFloat32 } from '@stylegpu/io';
import { type Tensor, createRuntime, randomNormal } from '@stylegpu/kernels';
import type { GeneratorConfig } from '@stylegpu/stylegan';
import { ClipModel } from '@stylegpu/clip';
import { wordVocabularyOf } from '@stylegpu/clip/node';
import {
  AffinePlus,
  LAYER_GROUPS,
  NadaTrainer,
  OBJECTIVE_NAMES,
  PARAMETERISATIONS,
  StyleDelta,
  buildObjectives,
  buildParameterisation,
  exportNadaGenerator,
  loadNadaGenerator,
  nadaPrompts,
  writeStyleDomainDirection,
} from '@stylegpu/adapt';
import { stripPng } from '@stylegpu/adapt/node';
import { CliError } from '../cli-error.js';
import { checkOutputFolder, readInput } from '../file-checks.js';
import { OutputFolder } from '../output-folder.js';
import { progress } from '../progress.js';
import { readClipAndTokenizer, readStyleGan, reason } from '../read-models.js';
import { parseTemplatesFlag } from '../templates-flag.js';
import { CLIP_VOCAB_HELP, TEMPLATES_HELP, checkPrompts, checkVocabApplies, resolveClipModel } from './adapt.js';

interface Flags {
  ckpt: string;
  sourceClass: string;
  targetClass: string;
  patchKey: string;
  phase?: string;
  coarse: boolean;
  medium: boolean;
  fine: boolean;
  visualEncoders: string;
  clipModelsDir?: string;
  clipVocab?: string;
  templates?: string;
  lossFuncs: string;
  lossCoefs: string;
  iterNum: string;
  batchSize: string;
  lr: string;
  mixingNoise: string;
  kernelRes: string;
  seed: string;
  outputDir: string;
  styleImg?: string;
  styleLatent?: string;
}

export function styleDomainCommand(): Command {
  return new Command('styledomain')
    .description('StyleDomain: text-driven adaptation with a chosen parameterisation (s_delta StyleSpace direction by default)')
    .requiredOption('--ckpt <path>', 'the source generator (NVIDIA .pkl, rosinality .pt, stylegpu .safetensors)')
    .requiredOption('--source-class <text>', 'source domain, e.g. "Human"')
    .requiredOption('--target-class <text>', 'target domain, e.g. "The Joker"')
    .option('--patch-key <name>', `what trains: ${PARAMETERISATIONS.join(', ')}`, 's_delta')
    .option('--phase <phase>', "for --patch-key original: a NADA or StyleDomain phase (default 'all')")
    .option('--no-coarse', 'freeze the coarse heads/layers (conv_0–5)')
    .option('--no-medium', 'freeze the medium heads/layers (conv_6–10)')
    .option('--no-fine', 'freeze the fine heads/layers (conv_11+)')
    .requiredOption('--visual-encoders <list>', 'comma-separated CLIP checkpoints, model names, or embedded:shapes32-clip (losses are summed over them)')
    .option('--clip-models-dir <dir>', 'where model names are looked up (default $STYLEGPU_MODELS)')
    .option('--clip-vocab <path>', CLIP_VOCAB_HELP)
    .option('--templates <list|file>', TEMPLATES_HELP)
    .option('--loss-funcs <list>', `losses, comma-separated: ${OBJECTIVE_NAMES.join(', ')}`, 'direction,indomain')
    .option('--loss-coefs <list>', 'one coefficient per loss', '1.0,0.25')
    .option('--iter-num <n>', 'training steps', '250')
    .option('--batch-size <n>', 'batch size', '4')
    .option('--lr <x>', 'learning rate (offset kinds: Adam (0.9, 0.999); weight kinds: NADA rule lr·4/5)', '0.05')
    .option('--mixing-noise <p>', 'style-mixing probability', '0.9')
    .option('--kernel-res <px>', 'affine_plus / affine_light_plus: resolution of the kernel offsets', '64')
    .option('--seed <n>', 'random seed', '0')
    .option('--style-img <png>', 'one-shot: the style image (PNG/JPEG at the generator resolution) for clip_within, clip_ref, l2_rec')
    .option('--style-latent <file>', 'one-shot: its inverted latent, .npy [1, num_ws, w_dim] or a projector .npz (key w)')
    .requiredOption('--output-dir <dir>', 'where the direction or checkpoint and samples.png go')
    .action(async (f: Flags) => run(f));
}

function num(flag: string, v: string, integer = false, min = 0): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new CliError(`adapt styledomain ${flag}`, `'${v}'`, 'is not a valid value', `give ${integer ? 'an integer' : 'a number'} of at least ${min}`);
  }
  return n;
}

async function run(f: Flags): Promise<void> {
  const W = 'adapt styledomain';
  const names = f.lossFuncs.split(',').map((s) => s.trim()).filter(Boolean);
  const coefs = f.lossCoefs.split(',').map((s) => num('--loss-coefs', s.trim()));
  if (names.length !== coefs.length) throw new CliError(`${W} --loss-coefs`, `'${f.lossCoefs}'`, `${names.length} losses but ${coefs.length} coefficients`, 'give one coefficient per --loss-funcs entry');
  let objectives;
  try {
    objectives = buildObjectives(names.map((name, i) => ({ name, weight: coefs[i] })));
  } catch (e) {
    throw new CliError(`${W} --loss-funcs`, `'${f.lossFuncs}'`, reason(e), `use ${OBJECTIVE_NAMES.join(', ')}`);
  }
  if (!(PARAMETERISATIONS as readonly string[]).includes(f.patchKey)) throw new CliError(`${W} --patch-key`, `'${f.patchKey}'`, 'is not a known parameterisation', `use one of ${PARAMETERISATIONS.join(', ')}`);
  const groups = LAYER_GROUPS.filter((g) => f[g]);
  if (!groups.length) throw new CliError(`${W} --no-coarse/--no-medium/--no-fine`, '', 'every layer group is frozen', 'leave at least one group trainable');
  const iterations = num('--iter-num', f.iterNum, true, 1);
  const batch = num('--batch-size', f.batchSize, true, 1);
  const lr = num('--lr', f.lr);
  const mixing = num('--mixing-noise', f.mixingNoise);
  if (mixing > 1) throw new CliError(`${W} --mixing-noise`, `'${f.mixingNoise}'`, 'is above 1', 'give a probability in [0, 1]');
  const kernelRes = num('--kernel-res', f.kernelRes, true, 4);
  const seed = num('--seed', f.seed, true);
  await checkOutputFolder(`${W} --output-dir`, f.outputDir);
  const ckpt = await readStyleGan(`${W} --ckpt`, f.ckpt);
  const oneShotNames = names.filter((n) => ONE_SHOT.includes(n));
  if (oneShotNames.length && (!f.styleImg || !f.styleLatent)) {
    throw new CliError(`${W} --loss-funcs`, `'${f.lossFuncs}'`, `${oneShotNames.join(', ')} need a style image and its latent`, 'pass --style-img and --style-latent');
  }
  const style = f.styleImg && f.styleLatent ? await readOneShot(W, f.styleImg, f.styleLatent, ckpt.config.generator) : null;
  const templates = f.templates !== undefined ? parseTemplatesFlag(`${W} --templates`, f.templates) : undefined;
  const prompts = nadaPrompts({ sourceClass: f.sourceClass, targetClass: f.targetClass, templates });
  const specs = f.visualEncoders.split(',').map((s) => s.trim()).filter(Boolean);
  if (!specs.length) throw new CliError(`${W} --visual-encoders`, `'${f.visualEncoders}'`, 'names no model', 'give one or more CLIP checkpoints, comma-separated');
  const clipData = [];
  for (const s of specs) {
    const path = resolveClipModel(s, f.clipModelsDir, W, '--visual-encoders');
    const word = wordVocabularyOf(path) !== null;
    const clip = await readClipAndTokenizer(`${W} --visual-encoders`, path, { flag: `${W} --clip-vocab`, path: word ? undefined : f.clipVocab });
    const todo = !word
      ? 'shorten --source-class, --target-class or --templates'
      : templates
        ? 'use words of its vocabulary in --templates, --source-class and --target-class'
        : `the default templates are ImageNet prompts it cannot read: give --templates in its vocabulary (e.g. "a {} circle")`;
    checkPrompts(`${W} --visual-encoders`, path, clip, prompts, todo);
    clipData.push({ path, checkpoint: clip.checkpoint, tokenizer: clip.tokenizer });
  }
  checkVocabApplies(W, f.clipVocab, clipData);
  const rt = await createRuntime();
  const disposers: Array<() => void> = [];
  let out: OutputFolder | null = null;
  let sub: OutputFolder | null = null;
  try {
    const frozen = await loadNadaGenerator(rt, ckpt);
    disposers.push(() => frozen.dispose());
    const trainable = await loadNadaGenerator(rt, ckpt);
    disposers.push(() => trainable.dispose());
    const keep = (t: Tensor) => {
      disposers.push(() => t.dispose());
      return rt.keep(t);
    };
    const clips = clipData.map((c) => {
      const model = ClipModel.fromWeights(rt, c.checkpoint.config, c.checkpoint.weights);
      disposers.push(() => model.dispose());
      return { name: basename(c.path), model, tokenizer: c.tokenizer, weight: 1 };
    });
    let param;
    try {
      param = buildParameterisation(rt, trainable, { name: f.patchKey, phase: f.phase ?? 'all', groups, kernelRes, seed });
    } catch (e) {
      throw new CliError(`${W} --patch-key`, f.patchKey, reason(e), 'choose settings this generator has');
    }
    disposers.push(() => param.dispose());
    const trainer = new NadaTrainer(rt, frozen, trainable, clips, {
      sourceClass: f.sourceClass,
      targetClass: f.targetClass,
      templates,
      batch,
      lr,
      mixing,
      seed,
      objectives,
      parameterisation: param,
      oneShot: style ? { image: keep(rt.tensor(style.image, [1, 3, style.res, style.res])), ws: keep(rt.tensor(style.ws, [1, style.numWs, style.wDim])) } : undefined,
    });
    disposers.push(() => trainer.dispose());
    const bar = progress('styledomain', iterations);
    let last = NaN;
    try {
      while (trainer.step < iterations) {
        last = (await trainer.trainStep()).loss;
        bar.tick({ loss: last.toFixed(4) });
      }
    } finally {
      bar.stop();
    }
    out = await OutputFolder.open(`${W} --output-dir`, f.outputDir);
    const z = randomNormal(rt, [4, ckpt.config.generator.zDim], { seed: seed + 1000 });
    const { source, target } = trainer.samples(z);
    const R = ckpt.config.generator.imgResolution;
    const split = async (t: typeof source) => {
      const d = Float32Array.from(await t.read());
      t.dispose();
      return Array.from({ length: 4 }, (_, i) => d.subarray(i * 3 * R * R, (i + 1) * 3 * R * R));
    };
    const rows = [await split(source), await split(target)];
    z.dispose();
    await out.write('samples.png', stripPng(rows, R));
    let written: string;
    if (param instanceof StyleDelta) {
      written = `models_${iterations}.pt`;
      await out.write(written, writeStyleDomainDirection(await param.read(), trainable));
    } else {
      if (param instanceof AffinePlus) param.bake();
      written = join('checkpoint', `${String(iterations).padStart(6, '0')}.pt`);
      sub = await OutputFolder.open(`${W} --output-dir`, join(f.outputDir, 'checkpoint'));
      await sub.write(basename(written), await exportNadaGenerator(trainable));
    }
    console.log(`adapt styledomain: ${f.patchKey}, ${param.parameterCount()} trained numbers, ${iterations} steps, last loss ${last.toFixed(5)} → ${join(f.outputDir, written)}`);
  } catch (e) {
    await sub?.discard();
    await out?.discard();
    throw e;
  } finally {
    for (const d of disposers.reverse()) d();
    rt.destroy();
  }
}

const ONE_SHOT = ['clip_within', 'clip_ref', 'l2_rec'];

/** The style image as [1, 3, R, R] in [−1, 1] and its latent as [1, num_ws, w_dim], read and checked on the CPU. */
async function readOneShot(W: string, imgPath: string, latentPath: string, g: GeneratorConfig) {
  const res = g.imgResolution;
  let raster;
  try {
    raster = decodeImage(await readInput(`${W} --style-img`, imgPath), { channels: 3 });
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${W} --style-img`, imgPath, reason(e), 'give a PNG or JPEG image');
  }
  if (raster.width !== res || raster.height !== res) {
    throw new CliError(`${W} --style-img`, imgPath, `is ${raster.width}×${raster.height}, the generator makes ${res}×${res}`, `resize (and align) it to ${res}×${res} first`);
  }
  const image = new Float32Array(3 * res * res);
  for (let c = 0; c < 3; c++) for (let i = 0; i < res * res; i++) image[c * res * res + i] = raster.data[i * 3 + c] / 127.5 - 1;
  const bytes = await readInput(`${W} --style-latent`, latentPath);
  let w;
  try {
    w = latentPath.endsWith('.npz') ? readNpz(bytes).get('w') : readNpy(bytes, latentPath);
    if (!w) throw new Error("the .npz has no array 'w'");
  } catch (e) {
    throw new CliError(`${W} --style-latent`, latentPath, reason(e), 'give a .npy or a projector .npz with key w');
  }
  const n = g.numWs;
  const ok = (w.shape.length === 3 && w.shape[0] === 1 && w.shape[1] === n && w.shape[2] === g.wDim) || (w.shape.length === 2 && w.shape[0] === n && w.shape[1] === g.wDim);
  if (!ok) throw new CliError(`${W} --style-latent`, latentPath, `has shape [${w.shape.join(', ')}]`, `give one W+ latent [1, ${n}, ${g.wDim}]`);
  return { image, res, ws: toFloat32(w), numWs: n, wDim: g.wDim };
}
