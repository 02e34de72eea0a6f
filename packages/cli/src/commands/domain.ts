/**
 * `stylegpu domain apply|mix|morph|prune`: what StyleDomain directions (s_delta `models_N.pt`
 * files) allow, as the official notebooks do it:
 *
 *   apply   images of a generator with one or more directions added in StyleSpace (sequential
 *           stacking when several are given; another fine-tuned generator = transfer), a PNG strip
 *           per seed from α = 0 to each power, and optionally a GIF
 *   mix     Σ c_k·Δ_k written as a new direction file
 *   prune   the p·N smallest |Δ| zeroed (`--perc`, e.g. 0.9), written as a new direction file
 *   morph   generator weights interpolated α·A + (1 − α)·B (`--ckpt`, `--ckpt2`), directions on
 *           top, as a PNG strip and a GIF over `--steps` values of α
 */
import { basename } from 'node:path';
import { Command } from 'commander';
import { readFileBytes } from '@stylegpu/io';
import { createRuntime } from '@stylegpu/kernels';
import { type Generator, randomStateRandn } from '@stylegpu/stylegan';
import {
  type DirectionTerm,
  type StyleDirection,
  type StyleDomainDirectionFile,
  directionFromFile,
  generatorLayout,
  loadNadaGenerator,
  mixDirections,
  readStyleDomainDirection,
  renderMorph,
  renderWithDirections,
  sparsifyDirection,
  writeStyleDomainHeads,
} from '@stylegpu/adapt';
import { morphGif, stripPng } from '@stylegpu/adapt/node';
import { CliError } from '../cli-error.js';
import { checkOutputFile, checkOutputFolder, readInput } from '../file-checks.js';
import { OutputFolder } from '../output-folder.js';
import { readStyleGan, reason } from '../read-models.js';
import { parseSeeds } from '../seeds.js';
import { writeFileAtomic } from '@stylegpu/io';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function domainCommand(): Command {
  const domain = new Command('domain').description('Use StyleDomain directions: apply, mix, prune, morph');
  domain
    .command('apply')
    .description('images of a generator with StyleDomain directions added (several: stacked in order; another fine-tuned generator: transfer)')
    .requiredOption('--ckpt <path>', 'the generator (the one the direction was trained on, or another fine-tuned from it)')
    .requiredOption('--direction <file>', 'a StyleDomain s_delta direction (models_N.pt); repeat to stack', collect)
    .option('--power <list>', 'offset power per direction, comma-separated', '1')
    .option('--seeds <list>', 'seeds (e.g. 0-3,7)', '0-3')
    .option('--trunc <psi>', 'truncation ψ', '0.7')
    .option('--steps <n>', 'columns from α = 0 to the power', '5')
    .option('--gif', 'also write a GIF going through the steps')
    .requiredOption('--outdir <dir>', 'where strip.png (and morph.gif) go')
    .action(async (f) => applyCommand(f));
  domain
    .command('mix')
    .description('a linear combination Σ c_k·Δ_k of directions, written as a new direction file')
    .requiredOption('--direction <file>', 'a direction file; repeat for each', collect)
    .requiredOption('--weights <list>', 'one coefficient per direction, comma-separated')
    .requiredOption('--output <file>', 'the mixed direction (.pt)')
    .action(async (f) => mixCommand(f));
  domain
    .command('prune')
    .description('zero the smallest |Δ| of a direction (sparse directions)')
    .requiredOption('--direction <file>', 'the direction file')
    .requiredOption('--perc <p>', 'fraction of entries to zero, in [0, 1] (the notebooks use 0.7–0.95)')
    .requiredOption('--output <file>', 'the pruned direction (.pt)')
    .action(async (f) => pruneCommand(f));
  domain
    .command('morph')
    .description('cross-domain morphing: weights α·A + (1 − α)·B, with directions on top')
    .requiredOption('--ckpt <path>', 'generator A (α = 1)')
    .requiredOption('--ckpt2 <path>', 'generator B (α = 0), fine-tuned from the same model')
    .option('--direction <file>', 'a direction applied on top; repeat to stack', collect)
    .option('--power <list>', 'offset power per direction', '1')
    .option('--seeds <list>', 'seeds', '0')
    .option('--trunc <psi>', 'truncation ψ', '0.7')
    .option('--steps <n>', 'values of α from 0 to 1 (np.linspace)', '8')
    .requiredOption('--outdir <dir>', 'where strip.png and morph.gif go')
    .action(async (f) => morphCommand(f));
  return domain;
}

function number(what: string, value: string, rule: { integer?: boolean; min?: number; max?: number } = {}): number {
  const n = Number(value);
  const bad = value.trim() === '' || !Number.isFinite(n) || (rule.integer && !Number.isInteger(n)) || (rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max);
  if (bad) {
    const range = rule.min !== undefined && rule.max !== undefined ? ` in [${rule.min}, ${rule.max}]` : rule.min !== undefined ? ` of at least ${rule.min}` : '';
    throw new CliError(what, `'${value}'`, 'is not a valid value', `give ${rule.integer ? 'an integer' : 'a number'}${range}`);
  }
  return n;
}

async function readDirection(what: string, path: string): Promise<StyleDomainDirectionFile> {
  const bytes = await readInput(what, path);
  try {
    return readStyleDomainDirection(bytes, basename(path));
  } catch (e) {
    throw new CliError(what, path, reason(e).replace(`${basename(path)}: `, ''), 'give a StyleDomain s_delta direction file (models_N.pt)');
  }
}

function powers(what: string, text: string, n: number): number[] {
  const ps = text.split(',').map((p) => number(what, p.trim()));
  if (ps.length === 1) return Array(n).fill(ps[0]);
  if (ps.length !== n) throw new CliError(what, `'${text}'`, `${n} directions but ${ps.length} powers`, 'give one power, or one per direction');
  return ps;
}

function headsAsDirection(f: StyleDomainDirectionFile): StyleDirection {
  return new Map(f.heads.map((h, i) => [`conv_${i}`, h]));
}

async function writeOut(what: string, file: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(file, bytes).catch((e) => {
    throw new CliError(what, file, `cannot write it (${reason(e)})`, 'choose another path');
  });
}

async function mixCommand(f: { direction: string[]; weights: string; output: string }): Promise<void> {
  const W = 'domain mix';
  const weights = f.weights.split(',').map((w) => number(`${W} --weights`, w.trim()));
  if (weights.length !== f.direction.length) throw new CliError(`${W} --weights`, `'${f.weights}'`, `${f.direction.length} directions but ${weights.length} weights`, 'give one weight per --direction');
  await checkOutputFile(`${W} --output`, f.output);
  const files = [];
  for (const p of f.direction) files.push(await readDirection(`${W} --direction`, p));
  let mixed: StyleDirection;
  try {
    mixed = mixDirections(files.map((x, i) => ({ direction: headsAsDirection(x), weight: weights[i] })));
  } catch (e) {
    throw new CliError(`${W} --direction`, f.direction.join(', '), reason(e), 'mix directions trained on one generator');
  }
  await writeOut(`${W} --output`, f.output, writeStyleDomainHeads([...mixed.values()], { daType: files[0].daType ?? 'td', sg2Params: files[0].sg2Params }));
  console.log(`domain mix: ${f.direction.length} directions → ${f.output}`);
}

async function pruneCommand(f: { direction: string; perc: string; output: string }): Promise<void> {
  const W = 'domain prune';
  const perc = number(`${W} --perc`, f.perc, { min: 0, max: 1 });
  await checkOutputFile(`${W} --output`, f.output);
  const file = await readDirection(`${W} --direction`, f.direction);
  const pruned = sparsifyDirection(headsAsDirection(file), perc);
  const total = file.heads.reduce((n, h) => n + h.length, 0);
  let zeros = 0;
  for (const v of pruned.values()) for (const x of v) zeros += +(x === 0);
  await writeOut(`${W} --output`, f.output, writeStyleDomainHeads([...pruned.values()], { daType: file.daType ?? 'td', sg2Params: file.sg2Params, styleLatents: file.styleLatents }));
  console.log(`domain prune: ${zeros} of ${total} offsets are zero → ${f.output}`);
}

interface ImageFlags {
  direction?: string[];
  power: string;
  seeds: string;
  trunc: string;
  steps: string;
  outdir: string;
}

async function applyCommand(f: ImageFlags & { ckpt: string; gif?: boolean }): Promise<void> {
  await renderCommand('domain apply', f, null);
}

async function morphCommand(f: ImageFlags & { ckpt: string; ckpt2: string }): Promise<void> {
  await renderCommand('domain morph', f, f.ckpt2);
}

async function renderCommand(W: string, f: ImageFlags & { ckpt: string; gif?: boolean }, second: string | null): Promise<void> {
  const seeds = parseSeeds(f.seeds, `${W} --seeds`);
  const psi = number(`${W} --trunc`, f.trunc);
  const steps = number(`${W} --steps`, f.steps, { integer: true, min: 2, max: 64 });
  const dirs = f.direction ?? [];
  const ps = powers(`${W} --power`, f.power, dirs.length);
  await checkOutputFolder(`${W} --outdir`, f.outdir);
  const files = [];
  for (const p of dirs) files.push(await readDirection(`${W} --direction`, p));
  const ckptA = await readStyleGan(`${W} --ckpt`, f.ckpt);
  const ckptB = second ? await readStyleGan(`${W} --ckpt2`, second) : null;
  if (ckptB && JSON.stringify(generatorLayout(ckptB.config.generator).layers) !== JSON.stringify(generatorLayout(ckptA.config.generator).layers)) {
    throw new CliError(`${W} --ckpt2`, second!, `has another architecture than --ckpt ${f.ckpt}`, 'morph generators fine-tuned from one model');
  }
  // Directions are checked against the generator's layout before the GPU is opened.
  const directions = files.map((x, i) => {
    try {
      return directionFromFile(x, generatorLayout(ckptA.config.generator), basename(dirs[i]));
    } catch (e) {
      throw new CliError(`${W} --direction`, dirs[i], reason(e).replace(`${basename(dirs[i])}: `, ''), 'use the generator the direction was trained for (or one fine-tuned from it)');
    }
  });
  const rt = await createRuntime();
  const gens: Generator[] = [];
  let out: OutputFolder | null = null;
  try {
    // NADA's released files carry no w_avg: loadNadaGenerator fills it as NADA does.
    const g = await loadNadaGenerator(rt, ckptA);
    gens.push(g);
    const g2 = ckptB ? await loadNadaGenerator(rt, ckptB) : null;
    if (g2) gens.push(g2);
    out = await OutputFolder.open(`${W} --outdir`, f.outdir);
    const R = g.config.imgResolution;
    const rows: Float32Array[][] = [];
    const frames: Float32Array[][] = [];
    for (let step = 0; step < steps; step++) frames.push([]);
    for (const seed of seeds) {
      const row: Float32Array[] = [];
      for (let step = 0; step < steps; step++) {
        const t = step / (steps - 1); // np.linspace(0, 1, steps)
        const img = rt.tidy(() => {
          const z = rt.tensor(Float32Array.from(randomStateRandn(seed, g.config.zDim)), [1, g.config.zDim]);
          const ws = rt.noGrad(() => g.mapping(z, { truncationPsi: psi }));
          const terms: DirectionTerm[] = directions.map((d, i) => ({ direction: d, power: g2 ? ps[i] : ps[i] * t }));
          return g2 ? renderMorph(g, g2, t, ws, terms) : renderWithDirections(g, ws, terms);
        });
        const data = Float32Array.from(await img.read());
        img.dispose();
        row.push(data);
        frames[step].push(data);
      }
      rows.push(row);
    }
    await out.write('strip.png', stripPng(rows, R));
    if (second || f.gif) await out.write('morph.gif', morphGif([...frames, ...frames.slice(1, -1).reverse()], R));
    console.log(`${W}: ${seeds.length} seed(s) × ${steps} steps → ${f.outdir}/strip.png${second || f.gif ? ' and morph.gif' : ''}`);
  } catch (e) {
    await out?.discard();
    throw e;
  } finally {
    for (const x of gens) x.dispose();
    rt.destroy();
  }
}
