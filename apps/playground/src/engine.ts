/**
 * The playground's model state, run inside the engine worker: one WebGPU runtime, the loaded
 * generator, the current seeds' ws, the discovered direction sets and the statistics that give
 * sliders their units. The page sends slider values; the engine composes ws, offsets a
 * StyleSpace channel if asked, synthesises and returns the floats.
 */
import type { RasterImage } from '@stylegpu/io';
import { add, type Runtime } from '@stylegpu/kernels';
import { Generator, randomStateRandn } from '@stylegpu/stylegan';
import { ganspaceFromSamples, sefa, type DirectionSet } from '@stylegpu/discovery';
import { directedStyles, directionFromFile, exportNadaGenerator, loadNadaGenerator, morphedWeights, readStyleDomainDirection, withParamOverrides, type DirectionTerm, type StyleDirection } from '@stylegpu/adapt';
import { applyDirectionSliders } from './latent-edits.js';
import { spreadAlong } from './direction-spread.js';
import { sampleStatistics, type SampleStatistics } from './sample-statistics.js';
import { ClipGuide, type ClipFiles, type ClipInfo } from './clip-guide.js';
import { DEFAULT_CLIP } from './embedded-names.js';
import { invertImage, type InvertProgress, type InvertResult } from './image-inversion.js';
import { adaptToText, type AdaptOptions, type AdaptProgress, type AdaptResult } from './text-adaptation.js';
import type { DirectionMethod, DirectionsInfo, DomainInfo, Edits, ModelInfo, RenderedImages } from './protocol.js';

/** Seeds the statistics (slider units, GANSpace) are drawn from: far from the seeds people type. */
export const STATISTICS_SEED = 1_000_000;
export const STATISTICS_SAMPLES = 512;

export class Engine {
  private G: Generator | null = null;
  /** What G was loaded from: text adaptation trains a fresh copy of it. */
  private source: string | Uint8Array | null = null;
  /** The generator the morph slider moves towards: a picked NADA model, or G after text adaptation. */
  private domain: { label: string; G: Generator } | null = null;
  /** StyleDomain directions (StyleSpace offsets), applied with one power slider each. */
  private styleDirections: Array<{ label: string; direction: StyleDirection }> = [];
  private clip: ClipGuide | null = null;
  private info: ModelInfo | null = null;
  private stats: SampleStatistics | null = null;
  /** Images in the grid: the seeds' ws, or one projected latent. */
  private count = 0;
  /** The last inversion's W+ latent [1, numWs, wDim], to edit in the grid. */
  private projection: Float32Array | null = null;
  /** [N, numWs, wDim] after truncation. */
  private ws: Float32Array | null = null;
  private readonly sets = new Map<DirectionMethod, DirectionSet>();

  constructor(readonly rt: Runtime) {}

  /** Replaces the generator; directions and latents of the previous one are dropped. */
  async load(source: string | Uint8Array, label: string): Promise<ModelInfo> {
    if (source instanceof Uint8Array && source.length === 0) throw new Error(`${label}: the file is empty`);
    let G: Generator;
    try {
      G = await Generator.load(this.rt, source);
    } catch (e) {
      const message = (e as Error).message;
      throw new Error(message.startsWith(label) ? message : `${label}: ${message}`);
    }
    if (G.config.cDim > 0) {
      G.dispose();
      throw new Error(`${label}: this generator is conditional (labels of ${G.config.cDim} classes); the playground draws unconditional samples only`);
    }
    this.dispose();
    this.G = G;
    this.source = source;
    const c = G.config;
    this.info = {
      label,
      resolution: c.imgResolution,
      imgChannels: c.imgChannels,
      zDim: c.zDim,
      wDim: c.wDim,
      numWs: G.numWs,
      parameters: [...G.params.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0),
      layers: G.layers.map((l) => ({ name: l.name, channels: l.inChannels })),
    };
    this.stats = await sampleStatistics(G, STATISTICS_SEED, STATISTICS_SAMPLES);
    return this.info;
  }

  /** ws of `seeds` (z = RandomState(seed).randn(zDim), as NVIDIA's generate.py) with truncation ψ. */
  async setLatents(seeds: number[], psi: number): Promise<number> {
    const G = this.generator();
    const zDim = G.config.zDim;
    const z = new Float32Array(seeds.length * zDim);
    seeds.forEach((s, i) => z.set(Float32Array.from(randomStateRandn(s, zDim)), i * zDim));
    const ws = this.rt.noGrad(() => this.rt.tidy(() => G.mapping(this.rt.tensor(z, [seeds.length, zDim]), { truncationPsi: psi })));
    try {
      this.ws = (await ws.read()) as Float32Array;
    } finally {
      ws.dispose();
    }
    this.count = seeds.length;
    return seeds.length;
  }

  async discover(method: DirectionMethod, components: number): Promise<DirectionsInfo> {
    const G = this.generator();
    const stats = this.stats!;
    const { wDim, numWs } = this.info!;
    const k = Math.min(components, wDim);
    let set: DirectionSet;
    if (method === 'sefa') {
      const found = await sefa(G, { components: k });
      set = { ...found, stepScales: spreadAlong(stats.w, stats.samples, wDim, found.vectors, found.count) };
    } else {
      set = ganspaceFromSamples(stats.w, stats.samples, wDim, numWs, k);
    }
    this.sets.set(method, set);
    return { method, names: [...set.names], scores: [...(set.scores ?? [])] };
  }

  /** Loads the CLIP that guides adaptation (kept across generators). */
  async loadClip(source: string | ClipFiles): Promise<ClipInfo> {
    const clip = await ClipGuide.load(this.rt, source);
    this.clip?.dispose();
    this.clip = clip;
    return clip.info;
  }

  /**
   * A few NADA steps from the loaded generator towards the target text (each run starts again from
   * the loaded weights); the default CLIP is loaded first if none is.
   */
  async adapt(options: AdaptOptions, progress: AdaptProgress): Promise<AdaptResult> {
    const G = this.generator();
    if (!this.ws) throw new Error('adapt: no seeds yet; generate first');
    if (!this.clip) await this.loadClip(DEFAULT_CLIP);
    const trainable = await Generator.load(this.rt, this.source!);
    const { numWs, wDim } = this.info!;
    const ws = this.rt.tensor(this.ws, [this.count, numWs, wDim]);
    try {
      const result = await adaptToText(this.rt, G, trainable, this.clip!, ws, options, progress);
      this.setDomain(`adapted in the page: "${options.source.trim()}" → "${options.target.trim()}"`, trainable);
      return result;
    } catch (e) {
      trainable.dispose();
      throw e;
    } finally {
      ws.dispose();
    }
  }

  /** Projects an image into the loaded generator's W+ (see image-inversion.ts). */
  async invert(image: RasterImage, label: string, steps: number, progress: InvertProgress): Promise<InvertResult> {
    const result = await invertImage(this.rt, this.generator(), image, label, steps, progress);
    this.projection = result.ws;
    return result;
  }

  /** The grid shows the last projection alone, so every slider edits the inverted image. */
  useProjection(): number {
    if (!this.projection) throw new Error('no inversion yet: invert an image first');
    this.ws = this.projection.slice();
    this.count = 1;
    return 1;
  }

  /** A fine-tuned generator (a NADA model: rosinality .pt, .pkl or .safetensors) of the loaded one, to morph towards. */
  async loadDomain(bytes: Uint8Array, label: string): Promise<DomainInfo> {
    const G = this.generator();
    let D: Generator;
    try {
      D = await loadNadaGenerator(this.rt, bytes);
    } catch (e) {
      throw new Error(`${label}: ${(e as Error).message}`);
    }
    const differs = [...G.params].find(([name, t]) => {
      const d = D.params.get(name);
      return !d || d.shape.length !== t.shape.length || d.shape.some((x, i) => x !== t.shape[i]);
    });
    if (differs || D.params.size !== G.params.size) {
      D.dispose();
      throw new Error(`${label}: not a fine-tune of the loaded generator (${differs ? `they differ at '${differs[0]}'` : 'their parameters differ'}); morphing needs two generators of one configuration`);
    }
    return this.setDomain(label, D);
  }

  /** The morph target as a rosinality `.pt` (the layout NADA releases and reads), e.g. to keep the page's adaptation. */
  async exportDomain(): Promise<Uint8Array> {
    if (!this.domain) throw new Error('nothing to save: adapt first, or open a NADA model');
    return exportNadaGenerator(this.domain.G);
  }

  private setDomain(label: string, G: Generator): DomainInfo {
    this.domain?.G.dispose();
    this.domain = { label, G };
    return { label };
  }

  /** A StyleDomain direction file (`models_*.pt`, s_delta heads) for the loaded generator; returns every direction's label. */
  loadStyleDirection(bytes: Uint8Array, label: string): string[] {
    const G = this.generator();
    let direction: StyleDirection;
    try {
      direction = directionFromFile(readStyleDomainDirection(bytes, label), G, label);
    } catch (e) {
      const message = (e as Error).message;
      throw new Error(message.startsWith(label) ? message : `${label}: ${message}`);
    }
    this.styleDirections.push({ label, direction });
    return this.styleDirections.map((d) => d.label);
  }

  clearStyleDirections(): void {
    this.styleDirections = [];
  }

  async render(edits: Edits): Promise<RenderedImages> {
    const G = this.generator();
    if (!this.ws) throw new Error('render: no seeds yet; generate first');
    const powers = edits.styleDirections ?? [];
    if (powers.length > this.styleDirections.length) throw new Error(`render: ${powers.length} direction powers for ${this.styleDirections.length} StyleDomain directions`);
    const terms: DirectionTerm[] = this.styleDirections.map((d, i) => ({ direction: d.direction, power: powers[i] ?? 0 })).filter((t) => t.power !== 0);
    const morph = this.domain ? edits.morph : 0;
    if (!(morph >= 0 && morph <= 1)) throw new Error(`render: the morph α must be in [0, 1], got ${morph}`);
    const started = performance.now();
    const { wDim, numWs, resolution, imgChannels } = this.info!;
    const n = this.count;
    const sliders = [...this.sets].flatMap(([method, set]) => {
      const alphas = edits.directions[method];
      return alphas ? [{ ...set, alphas }] : [];
    });
    const ws = applyDirectionSliders(this.ws, n, numWs, wDim, sliders);
    const channel = edits.channel;
    const draw = (g: Generator) => {
      const styles = directedStyles(g, this.rt.tensor(ws, [n, numWs, wDim]), terms);
      if (channel && channel.delta !== 0) {
        const s = styles.get(channel.layer);
        if (!s) throw new Error(`render: the generator has no StyleSpace layer '${channel.layer}'`);
        const C = s.shape[1];
        if (!Number.isInteger(channel.channel) || channel.channel < 0 || channel.channel >= C) {
          throw new Error(`render: layer ${channel.layer} has channels 0–${C - 1}, not ${channel.channel}`);
        }
        const offset = new Float32Array(C);
        offset[channel.channel] = channel.delta * this.stats!.styleStd.get(channel.layer)![channel.channel];
        styles.set(channel.layer, add(s, this.rt.tensor(offset, [1, C])));
      }
      return g.synthesisFromStyles(styles, { noiseMode: 'const' });
    };
    const domain = this.domain?.G;
    const img = this.rt.noGrad(() =>
      this.rt.tidy(() => {
        if (!domain || morph === 0) return draw(G);
        if (morph === 1) return draw(domain);
        // G + α·(domain − G) for every tensor (StyleDomain's morph_g_ema), then the same edits.
        return withParamOverrides(G, morphedWeights(this.rt, domain, G, morph), () => draw(G));
      }),
    );
    try {
      const pixels = (await img.read()) as Float32Array;
      return { count: n, channels: imgChannels, resolution, pixels, ms: performance.now() - started };
    } finally {
      img.dispose();
    }
  }

  private generator(): Generator {
    if (!this.G) throw new Error('no generator loaded yet: load one first');
    return this.G;
  }

  /** Drops the generator and everything derived from it (the CLIP stays loaded). */
  dispose(): void {
    this.G?.dispose();
    this.G = null;
    this.domain?.G.dispose();
    this.domain = null;
    this.styleDirections = [];
    this.source = null;
    this.info = null;
    this.stats = null;
    this.ws = null;
    this.count = 0;
    this.projection = null;
    this.sets.clear();
  }

  destroy(): void {
    this.dispose();
    this.clip?.dispose();
    this.clip = null;
  }
}
