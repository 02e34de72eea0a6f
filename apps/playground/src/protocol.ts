/**
 * Messages between the page and the engine worker. Every request carries an id; the worker
 * answers it once (a result or an error message) and may send progress events for it before.
 */
import type { ClipInfo } from './clip-guide.js';
import type { AdaptOptions, AdaptResult } from './text-adaptation.js';
import type { InvertResult } from './image-inversion.js';

export type DirectionMethod = 'sefa' | 'ganspace';

export interface LayerInfo {
  /** StyleSpace key, `b{res}.{conv0|conv1|torgb}`. */
  name: string;
  /** Style channels of the layer. */
  channels: number;
}

export interface ModelInfo {
  /** What was loaded: `embedded:shapes32` or the file name. */
  label: string;
  resolution: number;
  imgChannels: number;
  zDim: number;
  wDim: number;
  numWs: number;
  parameters: number;
  layers: LayerInfo[];
}

export interface DirectionsInfo {
  method: DirectionMethod;
  names: string[];
  /** The method's score per direction (SeFa eigenvalue, GANSpace explained-variance ratio). */
  scores: number[];
}

/** A StyleSpace channel moved by `delta` standard deviations of that channel. */
export interface ChannelEdit {
  layer: string;
  channel: number;
  delta: number;
}

export interface Edits {
  /** Morph α from the loaded generator (0) to the domain generator (1: a NADA model, or the page's adaptation). */
  morph: number;
  /** Power per loaded StyleDomain direction (0: off). */
  styleDirections: number[];
  /** α per direction of each discovered set, in σ units. */
  directions: Partial<Record<DirectionMethod, number[]>>;
  channel: ChannelEdit | null;
}

export interface RenderedImages {
  count: number;
  channels: number;
  resolution: number;
  /** NCHW floats in about [−1, 1]. */
  pixels: Float32Array;
  /** Wall time of the render in the worker, ms. */
  ms: number;
}

export type Request =
  | { kind: 'open' }
  | { kind: 'load'; source: string | ArrayBuffer; label: string }
  | { kind: 'latents'; seeds: number[]; psi: number }
  | { kind: 'discover'; method: DirectionMethod; components: number }
  | { kind: 'render'; edits: Edits }
  | { kind: 'clip'; source: string | ClipFileBuffers }
  | { kind: 'adapt'; options: AdaptOptions }
  | { kind: 'domain'; source: ArrayBuffer; label: string }
  | { kind: 'style-direction'; source: ArrayBuffer; label: string }
  | { kind: 'clear-style-directions' }
  | { kind: 'invert'; source: ArrayBuffer; label: string; steps: number }
  | { kind: 'use-projection' }
  | { kind: 'export-domain' };

export interface DomainInfo {
  label: string;
}

/** A picked CLIP: stylegpu `.safetensors` weights and the `.vocab.json` word vocabulary trained with them. */
export interface ClipFileBuffers {
  weightsName: string;
  vocabularyName: string;
  weights: ArrayBuffer;
  vocabulary: ArrayBuffer;
}

export interface ResultOf {
  open: { adapter: string };
  load: ModelInfo;
  latents: { count: number };
  discover: DirectionsInfo;
  render: RenderedImages;
  clip: ClipInfo;
  adapt: AdaptResult;
  domain: DomainInfo;
  'style-direction': { labels: string[] };
  'clear-style-directions': { labels: string[] };
  invert: InvertResult;
  'use-projection': { count: number };
  'export-domain': { bytes: Uint8Array };
}

export type RequestMessage = { id: number } & Request;

export type ResponseMessage =
  | { id: number; kind: 'result'; result: unknown }
  | { id: number; kind: 'error'; message: string }
  | { id: number; kind: 'progress'; done: number; total: number; note: string };
