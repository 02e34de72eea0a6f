/**
 * CLIP ViT hyper-parameters, inferred from weight shapes the way OpenAI's `clip/model.py::build_model` does,
 * and the complete list of weights (OpenAI state-dict names and shapes) a configuration implies.
 *
 * Everything here looks at shapes only, so it runs on shape-only maps (tests build the real models' shapes
 * without their data). The internal naming is OpenAI's (research notes methods.md D.4); the loaders map the
 * other layouts onto it.
 */

export type ClipActivation = 'quick_gelu' | 'gelu';

export interface ClipTowerConfig {
  /** Residual stream width (OpenAI `vision_width` / `transformer_width`, HF `hidden_size`). */
  width: number;
  layers: number;
  heads: number;
  /** Hidden width of the MLP: 4·width in every OpenAI model (HF `intermediate_size`). */
  mlpWidth: number;
  /** OpenAI models use QuickGELU `x·σ(1.702x)`; HF configs may say plain (erf) GELU. */
  activation: ClipActivation;
  /** LayerNorm epsilon: 1e-5 (torch's default) for OpenAI models. */
  layerNormEps: number;
}

export interface ClipVisionConfig extends ClipTowerConfig {
  patchSize: number;
  /** Input resolution: patch·√(positions − 1). */
  imageSize: number;
}

export interface ClipTextConfig extends ClipTowerConfig {
  /** Sequence length, the rows of the positional embedding (77 for every OpenAI model). */
  contextLength: number;
  /** Rows of the token embedding (49408 for OpenAI's BPE vocabulary). */
  vocabSize: number;
}

export interface ClipConfig {
  /** Joint embedding size (columns of `text_projection`). */
  embedDim: number;
  vision: ClipVisionConfig;
  text: ClipTextConfig;
}

/** Head counts cannot be read from shapes; these say where they come from when the file does not say. */
export interface ClipHeadOptions {
  /** Vision heads; default width/64, which OpenAI's build_model assumes and all released OpenAI ViTs satisfy. */
  visionHeads?: number;
  /** Text heads; default width/64 (build_model: `transformer_width // 64`). */
  textHeads?: number;
}

/** Anything with a shape: HostTensors, or shape-only stand-ins. */
export interface Shaped {
  readonly shape: readonly number[];
}

export const OPENAI_LAYER_NORM_EPS = 1e-5;
const OPENAI_HEAD_WIDTH = 64;

const BLOCK_PARTS: ReadonlyArray<readonly [string, (width: number, mlp: number) => number[]]> = [
  ['attn.in_proj_weight', (w) => [3 * w, w]],
  ['attn.in_proj_bias', (w) => [3 * w]],
  ['attn.out_proj.weight', (w) => [w, w]],
  ['attn.out_proj.bias', (w) => [w]],
  ['ln_1.weight', (w) => [w]],
  ['ln_1.bias', (w) => [w]],
  ['mlp.c_fc.weight', (w, m) => [m, w]],
  ['mlp.c_fc.bias', (_w, m) => [m]],
  ['mlp.c_proj.weight', (w, m) => [w, m]],
  ['mlp.c_proj.bias', (w) => [w]],
  ['ln_2.weight', (w) => [w]],
  ['ln_2.bias', (w) => [w]],
];

/** Every weight of a ViT CLIP in OpenAI naming, with its shape, in state-dict order. */
export function clipWeightShapes(config: ClipConfig): Map<string, number[]> {
  const { vision: v, text: t, embedDim } = config;
  const grid = v.imageSize / v.patchSize;
  const shapes = new Map<string, number[]>();
  const blocks = (prefix: string, tower: ClipTowerConfig) => {
    for (let i = 0; i < tower.layers; i++) {
      for (const [part, shape] of BLOCK_PARTS) shapes.set(`${prefix}${i}.${part}`, shape(tower.width, tower.mlpWidth));
    }
  };
  shapes.set('positional_embedding', [t.contextLength, t.width]);
  shapes.set('text_projection', [t.width, embedDim]);
  shapes.set('logit_scale', []);
  shapes.set('visual.class_embedding', [v.width]);
  shapes.set('visual.positional_embedding', [grid * grid + 1, v.width]);
  shapes.set('visual.proj', [v.width, embedDim]);
  shapes.set('visual.conv1.weight', [v.width, 3, v.patchSize, v.patchSize]);
  shapes.set('visual.ln_pre.weight', [v.width]);
  shapes.set('visual.ln_pre.bias', [v.width]);
  blocks('visual.transformer.resblocks.', v);
  shapes.set('visual.ln_post.weight', [v.width]);
  shapes.set('visual.ln_post.bias', [v.width]);
  blocks('transformer.resblocks.', t);
  shapes.set('token_embedding.weight', [t.vocabSize, t.width]);
  shapes.set('ln_final.weight', [t.width]);
  shapes.set('ln_final.bias', [t.width]);
  return shapes;
}

const fmt = (shape: readonly number[] | undefined) => (shape ? `[${shape.join(', ')}]` : '(missing)');

/** Count of blocks `prefix{i}.attn.in_proj_weight`, requiring them numbered 0..n-1. */
function countBlocks(names: Iterable<string>, prefix: string, what: string): number {
  const found = new Set<number>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}(\\d+)\\.attn\\.in_proj_weight$`);
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) found.add(Number(m[1]));
  }
  for (let i = 0; i < found.size; i++) {
    if (!found.has(i)) {
      throw new Error(`clip checkpoint: ${what} blocks are not numbered 0..${found.size - 1} (block ${i} is missing)`);
    }
  }
  if (found.size === 0) throw new Error(`clip checkpoint: no ${what} blocks (${prefix}0.attn.in_proj_weight is missing)`);
  return found.size;
}

function headsFor(width: number, override: number | undefined, what: string, option: string): number {
  if (override !== undefined) {
    if (!Number.isInteger(override) || override < 1 || width % override !== 0) {
      throw new Error(`clip checkpoint: ${option} = ${override} must be a positive integer dividing the ${what} width ${width}`);
    }
    return override;
  }
  if (width % OPENAI_HEAD_WIDTH !== 0) {
    throw new Error(
      `clip checkpoint: cannot infer the ${what} head count: OpenAI's build_model uses width/64 heads, but the ${what} ` +
        `width ${width} is not a multiple of 64; pass { ${option} } for this (non-OpenAI) model`,
    );
  }
  return width / OPENAI_HEAD_WIDTH;
}

/**
 * The configuration a set of OpenAI-named weights implies, following build_model: vision width from `conv1`,
 * layers by counting blocks, patch size from `conv1`, image size from the positional embedding, embed dim from
 * `text_projection`, text width from `ln_final`, context length and vocabulary from the embeddings, heads width/64
 * unless `heads` says otherwise. Shapes are checked for consistency afterwards by `checkClipWeights`.
 */
export function inferClipConfig(weights: ReadonlyMap<string, Shaped>, heads: ClipHeadOptions = {}): ClipConfig {
  const shapeOf = (name: string, rank: number): readonly number[] => {
    const t = weights.get(name);
    if (!t) {
      if (name.startsWith('visual.') && [...weights.keys()].some((k) => k.startsWith('visual.layer1.'))) {
        throw new Error('clip checkpoint: this is a ResNet CLIP (visual.layer1…, visual.attnpool…); only ViT CLIP models are supported');
      }
      throw new Error(`clip checkpoint: cannot infer the configuration: '${name}' is missing`);
    }
    if (t.shape.length !== rank) {
      throw new Error(`clip checkpoint: '${name}' has shape ${fmt(t.shape)}, expected ${rank} dimensions`);
    }
    return t.shape;
  };

  const conv = shapeOf('visual.conv1.weight', 4);
  const [visionWidth, , patchSize] = conv;
  if (conv[1] !== 3 || conv[2] !== conv[3]) {
    throw new Error(`clip checkpoint: 'visual.conv1.weight' has shape ${fmt(conv)}, expected [width, 3, patch, patch]`);
  }
  const positions = shapeOf('visual.positional_embedding', 2)[0];
  const grid = Math.round(Math.sqrt(positions - 1));
  if (positions < 2 || grid * grid + 1 !== positions) {
    throw new Error(
      `clip checkpoint: 'visual.positional_embedding' has ${positions} rows; expected grid² + 1 (a class token and a square patch grid)`,
    );
  }
  const names = [...weights.keys()];
  const visionLayers = countBlocks(names, 'visual.transformer.resblocks.', 'vision');
  const textLayers = countBlocks(names, 'transformer.resblocks.', 'text');
  const textWidth = shapeOf('ln_final.weight', 1)[0];
  const embedDim = shapeOf('text_projection', 2)[1];
  const [contextLength] = shapeOf('positional_embedding', 2);
  const [vocabSize] = shapeOf('token_embedding.weight', 2);
  const visionMlp = shapeOf('visual.transformer.resblocks.0.mlp.c_fc.weight', 2)[0];
  const textMlp = shapeOf('transformer.resblocks.0.mlp.c_fc.weight', 2)[0];
  const tower = { activation: 'quick_gelu' as const, layerNormEps: OPENAI_LAYER_NORM_EPS };
  return {
    embedDim,
    vision: {
      width: visionWidth,
      layers: visionLayers,
      heads: headsFor(visionWidth, heads.visionHeads, 'vision', 'visionHeads'),
      mlpWidth: visionMlp,
      patchSize,
      imageSize: patchSize * grid,
      ...tower,
    },
    text: {
      width: textWidth,
      layers: textLayers,
      heads: headsFor(textWidth, heads.textHeads, 'text', 'textHeads'),
      mlpWidth: textMlp,
      contextLength,
      vocabSize,
      ...tower,
    },
  };
}

/** Throws an Error listing every missing key, unexpected key and wrong shape of OpenAI-named weights. */
export function checkClipWeights(weights: ReadonlyMap<string, Shaped>, config: ClipConfig, source: string): void {
  checkWeightShapes(weights, clipWeightShapes(config), source);
}

/** The same check against any expected name → shape map (the Hugging Face loader checks in the file's own names). */
export function checkWeightShapes(
  weights: ReadonlyMap<string, Shaped>,
  expected: ReadonlyMap<string, readonly number[]>,
  source: string,
): void {
  const missing = [...expected.keys()].filter((k) => !weights.has(k));
  const extra = [...weights.keys()].filter((k) => !expected.has(k));
  const wrong: string[] = [];
  for (const [name, shape] of expected) {
    const t = weights.get(name);
    if (t && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      wrong.push(`'${name}' is ${fmt(t.shape)}, expected ${fmt(shape)}`);
    }
  }
  if (missing.length + extra.length + wrong.length === 0) return;
  const list = (items: string[]) =>
    items.slice(0, 8).join(', ') + (items.length > 8 ? `, … (${items.length - 8} more)` : '');
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.length} key(s): ${list(missing.map((k) => `'${k}'`))}`);
  if (extra.length) parts.push(`unexpected ${extra.length} key(s): ${list(extra.map((k) => `'${k}'`))}`);
  if (wrong.length) parts.push(`wrong shapes: ${list(wrong)}`);
  throw new Error(`clip checkpoint (${source}): ${parts.join('; ')}`);
}

/** Throws unless `config` is a complete, self-consistent ClipConfig (used on configs read from files). */
export function checkClipConfig(config: unknown, source: string): asserts config is ClipConfig {
  const bad = (why: string): never => {
    throw new Error(`clip checkpoint (${source}): bad config: ${why}`);
  };
  if (typeof config !== 'object' || config === null) bad('not an object');
  const c = config as Record<string, unknown>;
  const positive = (obj: Record<string, unknown>, key: string, path: string) => {
    const v = obj[key];
    if (!Number.isInteger(v) || (v as number) < 1) bad(`${path}${key} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  positive(c, 'embedDim', '');
  for (const towerName of ['vision', 'text'] as const) {
    const tower = c[towerName] as Record<string, unknown> | undefined;
    if (typeof tower !== 'object' || tower === null) bad(`${towerName} is missing`);
    const t = tower as Record<string, unknown>;
    const keys = ['width', 'layers', 'heads', 'mlpWidth', ...(towerName === 'vision' ? ['patchSize', 'imageSize'] : ['contextLength', 'vocabSize'])];
    for (const k of keys) positive(t, k, `${towerName}.`);
    if ((t.width as number) % (t.heads as number) !== 0) bad(`${towerName}.width ${t.width} is not divisible by heads ${t.heads}`);
    if (t.activation !== 'quick_gelu' && t.activation !== 'gelu') bad(`${towerName}.activation must be 'quick_gelu' or 'gelu'`);
    if (typeof t.layerNormEps !== 'number' || !(t.layerNormEps > 0)) bad(`${towerName}.layerNormEps must be a positive number`);
    if (towerName === 'vision' && (t.imageSize as number) % (t.patchSize as number) !== 0) {
      bad(`vision.imageSize ${t.imageSize} is not a multiple of patchSize ${t.patchSize}`);
    }
  }
}
