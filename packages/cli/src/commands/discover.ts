/**
 * `stylegpu discover`: semantic directions in a StyleGAN2 generator's latent space.
 *
 *   discover train     the contrastive navigator (ContraFeat; flags after the author's train_discover.py:
 *                      --directions (m_z_dim), --type (nav_type), --heat, --variant, --pairs, --lr, --steps)
 *   discover baseline  GANSpace (PCA of w) or SeFa (closed form from the style affines)
 *   discover traverse  traversal grids (PNG) and GIFs of a navigator or direction-set file
 *   discover table     every method against ground truth: trains the navigators, computes the baselines,
 *                      calibrates all with one sensor and scores them with a factor predictor
 *                      (a @stylegpu/world predictor file); writes table.md and table.json
 *
 * Sensors (--sensor): clip:<checkpoint> (CLIP patch tokens of the last --clip-blocks; a checkpoint file or
 * folder, or clip:embedded:shapes32-clip; images only, so no tokenizer is read), clip-random (a
 * seeded random small ViT, the default until a trained CLIP is at hand), discriminator (D's block
 * features; the checkpoint must hold D), pixels.
 */
import { Command, Option } from 'commander';
import { encodePng, readSafetensors, writeFileAtomic } from '@stylegpu/io';
import { createRuntime, resize, type Runtime, type Tensor } from '@stylegpu/kernels';
import { ClipModel } from '@stylegpu/clip';
import { Discriminator, Generator, type StyleGanCheckpoint } from '@stylegpu/stylegan';
import { FactorPredictor, PREDICTOR_FORMAT } from '@stylegpu/world/predictor';
import {
  calibrateSteps,
  clipTokenSensor,
  compareMethods,
  comparisonMarkdown,
  directionSetEditor,
  discriminatorSensor,
  disposeEditor,
  ganspace,
  loadEditor,
  Navigator,
  NavigatorTrainer,
  pixelSensor,
  randomClipSensor,
  renderTraversal,
  saveDirectionSet,
  sefa,
  styleGanLatents,
  traversalGif,
  traversalGrid,
  type FactorKind,
  type FeatureSensor,
  type LatentGenerator,
  type LayerHeat,
  type LossVariant,
  type MethodEntry,
  type NavigatorType,
} from '@stylegpu/discovery';
import { CliError } from '../cli-error.js';
import { checkOutputFile, checkOutputFolder, readInput } from '../file-checks.js';
import { OutputFolder } from '../output-folder.js';
import { progress } from '../progress.js';
import { predictorPath, readClip, readStyleGan, reason } from '../read-models.js';
import { parseSeeds } from '../seeds.js';

interface CommonOptions {
  network: string;
  trunc: string;
  sensor: string;
  clipBlocks?: string;
}

const SENSOR_HELP = 'feature sensor: clip:<checkpoint> (or clip:embedded:shapes32-clip), clip-random, discriminator or pixels';

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--network <path>', 'StyleGAN2 checkpoint (NVIDIA .pkl, rosinality .pt or stylegpu .safetensors)')
    .option('--trunc <psi>', 'truncation psi of the sampled w', '1')
    .option('--sensor <kind>', SENSOR_HELP, 'clip-random')
    .option('--clip-blocks <list>', 'CLIP blocks whose tokens the sensor uses (default: the last 3)');
}

export function discoverCommand(): Command {
  const cmd = new Command('discover').description('Semantic latent directions: the contrastive navigator, GANSpace, SeFa, traversals, ground-truth tables');
  cmd.addCommand(
    common(new Command('train'))
      .description('Train the contrastive navigator (ContraFeat) on a frozen generator')
      .requiredOption('--out <file>', 'navigator file to write (.safetensors)')
      .option('--directions <k>', 'number of directions K', '10')
      .addOption(new Option('--type <type>', 'direction model').choices(['fixed', 'ada']).default('fixed'))
      .addOption(new Option('--heat <heat>', 'attention over W+ layers').choices(['none', 'global', 'local']).default('global'))
      .addOption(new Option('--variant <variant>', 'contrastive loss').choices(['binary', 'prototype']).default('binary'))
      .option('--steps <n>', 'optimisation steps', '1000')
      .option('--pairs <n>', 'pairs per step (5 images each)', '4')
      .option('--lr <lr>', 'Adam learning rate', '0.002')
      .option('--div-lambda <x>', 'weight of the diversity term', '0')
      .option('--step-mean <x>', "mean step in W ('auto': the typical w deviation)", 'auto')
      .option('--seed <n>', 'seed of the initial directions and the sampling', '0')
      .option('--no-calibrate', 'keep the mean step as every step scale instead of calibrating them with the sensor')
      .option('--snap <n>', 'also write the navigator to --out every n steps (0: only at the end)', '0')
      .action(async (o) => runTrain(o)),
  );
  cmd.addCommand(
    new Command('baseline')
      .description('GANSpace (PCA of w) or SeFa (eigenvectors of AᵀA of the style affines)')
      .requiredOption('--network <path>', 'StyleGAN2 checkpoint')
      .addOption(new Option('--method <m>', 'baseline').choices(['ganspace', 'sefa']).makeOptionMandatory())
      .requiredOption('--out <file>', 'direction-set file to write (.safetensors)')
      .option('--components <k>', 'directions to keep', '10')
      .option('--samples <n>', 'GANSpace: w samples', '10000')
      .option('--layers <range>', 'W+ layers the directions apply to (and SeFa factorises), e.g. 0-5 (default: all)')
      .option('--trunc <psi>', 'GANSpace: truncation psi of the sampled w', '1')
      .action(async (o) => runBaseline(o)),
  );
  cmd.addCommand(
    new Command('traverse')
      .description('Traversal grid (PNG) and GIFs of a navigator or direction-set file')
      .requiredOption('--network <path>', 'StyleGAN2 checkpoint')
      .requiredOption('--directions <file>', 'navigator or direction-set file')
      .requiredOption('--outdir <dir>', 'where to write traversal.png (and dir%02d.gif)')
      .option('--seeds <list>', 'seeds, one row each', '0-2')
      .option('--which <list>', 'directions to show (default: all), e.g. 0,3,5')
      .option('--columns <n>', 'steps per row', '7')
      .option('--range <x>', 'steps go from −x to x (in step scales)', '2')
      .option('--trunc <psi>', 'truncation psi', '1')
      .option('--gif', 'also write one GIF per direction')
      .action(async (o) => runTraverse(o)),
  );
  cmd.addCommand(
    common(new Command('table'))
      .description('Navigator (fixed, ada, prototype) vs GANSpace vs SeFa against a factor predictor: table.md, table.json')
      .requiredOption('--predictor <file>', '@stylegpu/world factor predictor (.safetensors), or embedded:shapes32-predictor')
      .requiredOption('--outdir <dir>', 'where to write the table and every method\'s directions')
      .option('--directions <k>', 'directions per method', '10')
      .option('--steps <n>', 'navigator training steps', '1000')
      .option('--pairs <n>', 'navigator pairs per step', '4')
      .option('--lr <lr>', 'navigator learning rate', '0.002')
      .option('--samples <n>', 'GANSpace w samples', '10000')
      .option('--eval-seeds <n>', 'seeds per direction in the measurement', '32')
      .option('--methods <list>', 'methods', 'nav-fixed,nav-ada,nav-prototype,ganspace,sefa')
      .addOption(new Option('--spread <unit>', "unit of factor changes: the factor's std over the seeds, or its whole range").choices(['std', 'range']).default('std'))
      .option('--effect-threshold <x>', 'smallest change (in --spread units) that counts as moving a factor', '0.5')
      .option('--gap-threshold <x>', 'smallest normalised gap that counts as disentangled', '0.5')
      .action(async (o) => runTable(o)),
  );
  return cmd;
}

// ------------------------------------------------------------------ parsing

function num(what: string, value: string, check: (n: number) => boolean, meaning: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new CliError(what, `'${value}'`, `not ${meaning}`, `give ${meaning}`);
  return n;
}
const posInt = (what: string, v: string) => num(what, v, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
const nonNeg = (what: string, v: string) => num(what, v, (n) => n >= 0, 'a number ≥ 0');
const positive = (what: string, v: string) => num(what, v, (n) => n > 0, 'a positive number');

function parseList(what: string, text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new CliError(what, `'${text}'`, `'${part}' is not an index or a range a-b`, 'give e.g. 0,2,4-6');
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new CliError(what, `'${text}'`, `the range ${a}-${b} is backwards`, 'write it low-high');
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

function parseSensorKind(text: string): { kind: 'clip' | 'clip-random' | 'discriminator' | 'pixels'; path?: string } {
  if (text === 'clip-random' || text === 'discriminator' || text === 'pixels') return { kind: text };
  if (text.startsWith('clip:') && text.length > 5) return { kind: 'clip', path: text.slice(5) };
  throw new CliError('discover --sensor', `'${text}'`, 'not a sensor', 'give clip:<checkpoint>, clip-random, discriminator or pixels');
}

type OpenSensor = (rt: Runtime) => { sensor: FeatureSensor; dispose: () => void };

/** Everything about the sensor that can be checked on the CPU (kind, CLIP file, blocks, D present), before the GPU opens. */
async function prepareSensor(o: CommonOptions, ckpt: StyleGanCheckpoint, what: string): Promise<OpenSensor> {
  const s = parseSensorKind(o.sensor);
  const blocks = o.clipBlocks ? parseList(`${what} --clip-blocks`, o.clipBlocks) : undefined;
  const checkBlocks = (layers: number) => {
    for (const b of blocks ?? []) {
      if (b >= layers) throw new CliError(`${what} --clip-blocks`, o.clipBlocks!, `block ${b} is not one of the image tower's ${layers} blocks`, `give blocks in 0-${layers - 1}`);
    }
  };
  if (s.kind === 'pixels') return () => ({ sensor: pixelSensor(3), dispose: () => {} });
  if (s.kind === 'discriminator') {
    const cfg = ckpt.config.discriminator;
    const weights = ckpt.discriminator;
    if (!cfg || !weights) throw new CliError(`${what} --sensor`, 'discriminator', `${o.network} holds no discriminator`, 'use a checkpoint with D, or another sensor');
    return (rt) => {
      const D = Discriminator.fromWeights(rt, cfg, weights);
      return { sensor: discriminatorSensor(D), dispose: () => D.dispose() };
    };
  }
  if (s.kind === 'clip-random') {
    checkBlocks(3);
    return (rt) => {
      const sensor = randomClipSensor(rt, { blocks });
      return { sensor, dispose: () => sensor.clip.dispose() };
    };
  }
  const data = await readClip(`${what} --sensor`, s.path!);
  checkBlocks(data.config.vision.layers);
  return (rt) => {
    const clip = ClipModel.fromWeights(rt, data.config, data.weights);
    return { sensor: clipTokenSensor(clip, { blocks }), dispose: () => clip.dispose() };
  };
}

function psiOf(what: string, text: string): number {
  return num(`${what} --trunc`, text, () => true, 'a finite number');
}

// ------------------------------------------------------------------ train

async function runTrain(o: CommonOptions & Record<string, string | boolean>): Promise<void> {
  const what = 'discover train';
  const K = posInt(`${what} --directions`, o.directions as string);
  if (K < 2) throw new CliError(`${what} --directions`, `'${o.directions}'`, 'the contrastive loss needs at least 2 directions', 'give 2 or more');
  const steps = posInt(`${what} --steps`, o.steps as string);
  const pairs = posInt(`${what} --pairs`, o.pairs as string);
  const lr = positive(`${what} --lr`, o.lr as string);
  const div = nonNeg(`${what} --div-lambda`, o.divLambda as string);
  const stepMean = o.stepMean === 'auto' ? 'auto' : positive(`${what} --step-mean`, o.stepMean as string);
  const seed = num(`${what} --seed`, o.seed as string, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
  const psi = psiOf(what, o.trunc);
  const snap = num(`${what} --snap`, o.snap as string, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
  parseSensorKind(o.sensor);
  await checkOutputFile(`${what} --out`, o.out as string);
  const ckpt = await readStyleGan(`${what} --network`, o.network);
  const openSensor = await prepareSensor(o, ckpt, what);
  const rt = await createRuntime();
  let G: Generator | null = null;
  let sensor: { sensor: FeatureSensor; dispose: () => void } | null = null;
  try {
    G = Generator.fromWeights(rt, ckpt.config.generator, ckpt.generator);
    const gen = styleGanLatents(G, { truncationPsi: psi });
    sensor = openSensor(rt);
    const nav = await trainNavigator(gen, sensor.sensor, { K, type: o.type as NavigatorType, heat: o.heat as LayerHeat, variant: o.variant as LossVariant, steps, pairs, lr, div, stepMean, seed, calibrate: o.calibrate !== false, label: what, snap, snapTo: o.out as string });
    try {
      await writeFileAtomic(o.out as string, await nav.save());
    } finally {
      nav.dispose();
    }
  } finally {
    sensor?.dispose();
    G?.dispose();
    rt.destroy();
  }
}

interface TrainSettings {
  K: number;
  type: NavigatorType;
  heat: LayerHeat;
  variant: LossVariant;
  steps: number;
  pairs: number;
  lr: number;
  div: number;
  stepMean: number | 'auto';
  seed: number;
  calibrate: boolean;
  label: string;
  /** Write the navigator to `snapTo` every `snap` steps (a long run keeps its progress). */
  snap?: number;
  snapTo?: string;
}

async function trainNavigator(gen: LatentGenerator, sensor: FeatureSensor, s: TrainSettings): Promise<Navigator> {
  const nav = Navigator.create(gen.rt, { wDim: gen.wDim, numWs: gen.numWs, directions: s.K, type: s.type, heat: s.heat }, s.seed);
  try {
    const trainer = await NavigatorTrainer.create(gen, nav, sensor, { variant: s.variant, pairs: s.pairs, lr: s.lr, divLambda: s.div, stepMean: s.stepMean, seed: s.seed });
    try {
      const bar = progress(s.label, s.steps);
      for (let i = 1; i <= s.steps; i++) {
        const r = await trainer.step();
        bar.tick({ loss: r.loss.toFixed(4), pos: r.pos.toFixed(3), neg: r.neg.toFixed(3) });
        if (s.snap && s.snapTo && i % s.snap === 0 && i < s.steps) {
          nav.stepScales = Array.from({ length: s.K }, () => trainer.stepMean);
          await writeFileAtomic(s.snapTo, await nav.save());
        }
      }
      bar.stop();
      // Traversals walk ±stepMean by default; calibration then evens out the directions.
      nav.stepScales = Array.from({ length: s.K }, () => trainer.stepMean);
      if (s.calibrate) nav.stepScales = await calibrateSteps(gen, nav, sensor);
    } finally {
      trainer.dispose();
    }
    return nav;
  } catch (e) {
    nav.dispose();
    throw e;
  }
}

// ------------------------------------------------------------------ baseline

async function runBaseline(o: Record<string, string>): Promise<void> {
  const what = 'discover baseline';
  const k = posInt(`${what} --components`, o.components);
  const samples = posInt(`${what} --samples`, o.samples);
  const psi = psiOf(what, o.trunc);
  const layers = o.layers ? parseList(`${what} --layers`, o.layers) : undefined;
  await checkOutputFile(`${what} --out`, o.out);
  const ckpt = await readStyleGan(`${what} --network`, o.network);
  const cfg = ckpt.config.generator;
  if (k > cfg.wDim) throw new CliError(`${what} --components`, String(k), `the network's w has ${cfg.wDim} dimensions`, `give at most ${cfg.wDim}`);
  if (layers && layers.some((l) => l >= cfg.numWs)) throw new CliError(`${what} --layers`, o.layers, `the network has ${cfg.numWs} ws (0-${cfg.numWs - 1})`, 'give layers inside that range');
  if (o.method === 'ganspace' && samples < 2) throw new CliError(`${what} --samples`, o.samples, 'PCA needs at least 2 samples', 'give more');
  const rt = await createRuntime();
  let G: Generator | null = null;
  try {
    G = Generator.fromWeights(rt, cfg, ckpt.generator);
    const set = await computeBaseline(G, o.method as 'ganspace' | 'sefa', k, samples, psi, layers);
    await writeFileAtomic(o.out, saveDirectionSet(set));
  } finally {
    G?.dispose();
    rt.destroy();
  }
}

async function computeBaseline(G: Generator, method: 'ganspace' | 'sefa', k: number, samples: number, psi: number, layers?: number[]) {
  if (method === 'sefa') return sefa(G, { components: k, layers });
  const range = layers ? ([Math.min(...layers), Math.max(...layers) + 1] as [number, number]) : undefined;
  return ganspace(styleGanLatents(G, { truncationPsi: psi }), { components: k, samples, layers: range });
}

// ------------------------------------------------------------------ traverse

async function runTraverse(o: Record<string, string | boolean>): Promise<void> {
  const what = 'discover traverse';
  const seeds = parseSeeds(o.seeds as string, `${what} --seeds`);
  const cols = posInt(`${what} --columns`, o.columns as string);
  const range = positive(`${what} --range`, o.range as string);
  const psi = psiOf(what, o.trunc as string);
  const which = o.which ? parseList(`${what} --which`, o.which as string) : undefined;
  await checkOutputFolder(`${what} --outdir`, o.outdir as string);
  const dirBytes = await readInput(`${what} --directions`, o.directions as string);
  const ckpt = await readStyleGan(`${what} --network`, o.network as string);
  const rt = await createRuntime();
  let G: Generator | null = null;
  let editor: ReturnType<typeof loadEditor> | null = null;
  let out: OutputFolder | null = null;
  try {
    try {
      editor = loadEditor(rt, dirBytes, o.directions as string);
    } catch (e) {
      throw new CliError(`${what} --directions`, o.directions as string, reason(e), 'give a file from stylegpu discover train or baseline');
    }
    const cfg = ckpt.config.generator;
    if (editor.wDim !== cfg.wDim || editor.numWs !== cfg.numWs) {
      throw new CliError(`${what} --directions`, o.directions as string, `holds directions for w_dim ${editor.wDim} × ${editor.numWs} ws, but ${o.network} has ${cfg.wDim} × ${cfg.numWs}`, 'give directions found for this network');
    }
    if (which && which.some((d) => d >= editor!.count)) throw new CliError(`${what} --which`, o.which as string, `the file has ${editor.count} directions (0-${editor.count - 1})`, 'choose among them');
    G = Generator.fromWeights(rt, cfg, ckpt.generator);
    const alphas = cols === 1 ? [0] : Array.from({ length: cols }, (_, i) => -range + (2 * range * i) / (cols - 1));
    const t = await renderTraversal(styleGanLatents(G, { truncationPsi: psi }), editor, { directions: which, seeds, alphas });
    out = await OutputFolder.open(`${what} --outdir`, o.outdir as string);
    await out.write('traversal.png', encodePng(traversalGrid(t)));
    if (o.gif) for (let i = 0; i < t.directions.length; i++) await out.write(`dir${String(t.directions[i]).padStart(2, '0')}.gif`, traversalGif(t, i));
  } catch (e) {
    await out?.discard();
    throw e;
  } finally {
    if (editor) disposeEditor(editor);
    G?.dispose();
    rt.destroy();
  }
}

// ------------------------------------------------------------------ table

/** The predictor file's container and format, read on the CPU (its weights are checked when it is uploaded). */
function checkPredictorFile(what: string, path: string, bytes: Uint8Array): void {
  const todo = 'give a factor predictor saved by @stylegpu/world (FactorPredictor.save)';
  let format: string | undefined;
  try {
    format = readSafetensors(bytes).metadata.format;
  } catch (e) {
    throw new CliError(`${what} --predictor`, path, `is not a safetensors file (${reason(e)})`, todo);
  }
  if (format !== PREDICTOR_FORMAT) throw new CliError(`${what} --predictor`, path, `has format '${format ?? '(none)'}', not '${PREDICTOR_FORMAT}'`, todo);
}

const METHODS = ['nav-fixed', 'nav-ada', 'nav-prototype', 'ganspace', 'sefa'] as const;
type MethodName = (typeof METHODS)[number];

async function runTable(o: CommonOptions & Record<string, string>): Promise<void> {
  const what = 'discover table';
  const K = posInt(`${what} --directions`, o.directions);
  if (K < 2) throw new CliError(`${what} --directions`, `'${o.directions}'`, 'the navigator needs at least 2 directions', 'give 2 or more');
  const steps = posInt(`${what} --steps`, o.steps);
  const pairs = posInt(`${what} --pairs`, o.pairs);
  const lr = positive(`${what} --lr`, o.lr);
  const samples = posInt(`${what} --samples`, o.samples);
  const evalSeeds = posInt(`${what} --eval-seeds`, o.evalSeeds);
  if (evalSeeds < 2) throw new CliError(`${what} --eval-seeds`, o.evalSeeds, 'the factor spread needs at least 2 seeds', 'give 2 or more');
  const psi = psiOf(what, o.trunc);
  const effectThreshold = positive(`${what} --effect-threshold`, o.effectThreshold);
  const gapThreshold = num(`${what} --gap-threshold`, o.gapThreshold, (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
  const methods = o.methods.split(',').map((m) => m.trim());
  for (const m of methods) if (!(METHODS as readonly string[]).includes(m)) throw new CliError(`${what} --methods`, `'${o.methods}'`, `'${m}' is not a method`, `choose from ${METHODS.join(', ')}`);
  parseSensorKind(o.sensor);
  await checkOutputFolder(`${what} --outdir`, o.outdir);
  const predictorFile = predictorPath(`${what} --predictor`, o.predictor);
  const predictorBytes = await readInput(`${what} --predictor`, predictorFile);
  checkPredictorFile(what, predictorFile, predictorBytes);
  const ckpt = await readStyleGan(`${what} --network`, o.network);
  const cfg = ckpt.config.generator;
  if (K > cfg.wDim) throw new CliError(`${what} --directions`, String(K), `the network's w has ${cfg.wDim} dimensions`, `give at most ${cfg.wDim}`);
  const openSensor = await prepareSensor(o, ckpt, what);
  const rt = await createRuntime();
  let G: Generator | null = null;
  let predictor: FactorPredictor | null = null;
  let sensor: { sensor: FeatureSensor; dispose: () => void } | null = null;
  let out: OutputFolder | null = null;
  const entries: MethodEntry[] = [];
  try {
    try {
      predictor = FactorPredictor.load(rt, predictorBytes, o.predictor);
    } catch (e) {
      throw new CliError(`${what} --predictor`, o.predictor, reason(e), 'give a factor predictor saved by @stylegpu/world (FactorPredictor.save)');
    }
    G = Generator.fromWeights(rt, cfg, ckpt.generator);
    const gen = styleGanLatents(G, { truncationPsi: psi });
    sensor = openSensor(rt);
    out = await OutputFolder.open(`${what} --outdir`, o.outdir);
    for (const m of methods as MethodName[]) {
      if (m.startsWith('nav-')) {
        const type: NavigatorType = m === 'nav-ada' ? 'ada' : 'fixed';
        const variant: LossVariant = m === 'nav-prototype' ? 'prototype' : 'binary';
        const nav = await trainNavigator(gen, sensor.sensor, { K, type, heat: 'global', variant, steps, pairs, lr, div: 0, stepMean: 'auto', seed: 0, calibrate: false, label: `${what}: ${m}` });
        entries.push({ name: m, editor: nav });
        await out.write(`${m}.safetensors`, await nav.save());
      } else {
        const set = await computeBaseline(G, m as 'ganspace' | 'sefa', K, samples, psi);
        entries.push({ name: m, editor: directionSetEditor(set) });
        await out.write(`${m}.safetensors`, saveDirectionSet(set));
      }
    }
    const R = predictor.config.resolution;
    const schema = predictor.config.schema;
    const kinds: FactorKind[] = schema.map((f) => (f.kind === 'categorical' ? 'categorical' : f.circular ? 'circular' : 'linear'));
    const p = predictor;
    // The predictor reads its own resolution: generator images are resized (bilinear, antialiased) to it.
    const predict = async (images: Tensor) => {
      if (images.shape[2] === R && images.shape[3] === R) return p.predictFactors(images);
      const small = rt.keep(rt.noGrad(() => rt.tidy(() => resize(images, [R, R], { mode: 'bilinear', antialias: true }))));
      try {
        return await p.predictFactors(small);
      } finally {
        small.dispose();
      }
    };
    const bar = progress(`${what}: measuring`, entries.length);
    let rows;
    try {
      rows = await compareMethods(gen, entries, predict, {
        seeds: Array.from({ length: evalSeeds }, (_, i) => 2_000_000 + i),
        factorKinds: kinds,
        factorNames: schema.map((f) => f.name),
        // World factors are normalised to [0, 1] (categorical: class indices, counted as changed or not).
        factorSpread: o.spread === 'range' ? kinds.map(() => 1) : undefined,
        effectThreshold,
        gapThreshold,
        calibrate: { sensor: sensor.sensor },
        onMethod: () => bar.tick(),
      });
    } catch (e) {
      if (/does not vary over/.test(reason(e))) throw new CliError(what, '', reason(e).replace(/; pass factorSpread.*$/, ''), 'pass --spread range, or more --eval-seeds');
      throw e;
    }
    bar.stop();
    const md = comparisonMarkdown(rows);
    await out.write('table.md', new TextEncoder().encode(md));
    const json = rows.map((r) => ({
      method: r.method,
      directions: r.directions,
      stepScales: r.stepScales,
      disentanglement: r.scores.disentanglement,
      completeness: r.scores.completeness,
      discovered: r.scores.discovered,
      discoveredBy: r.scores.discoveredBy,
      factors: r.effects.factorNames,
      spread: r.effects.spread,
      effects: Array.from(r.effects.effects),
    }));
    const settings = { network: o.network, predictor: o.predictor, sensor: sensor.sensor.name, steps, pairs, lr, directions: K, evalSeeds, spread: o.spread, effectThreshold, gapThreshold };
    await out.write('table.json', new TextEncoder().encode(JSON.stringify({ ...settings, rows: json }, null, 2)));
    process.stdout.write(md);
  } catch (e) {
    await out?.discard();
    throw e;
  } finally {
    for (const e of entries) disposeEditor(e.editor);
    sensor?.dispose();
    predictor?.dispose();
    G?.dispose();
    rt.destroy();
  }
}
