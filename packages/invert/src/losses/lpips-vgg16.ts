/**
 * LPIPS (Zhang et al. 2018, the `lpips` package, net='vgg', version 0.1) on the GPU, with the weights users
 * have: torchvision's VGG16 `features.*` (e.g. `vgg16-397923af.pth`) and LPIPS's linear heads
 * `lin{0..4}.model.1.weight` [1, C_l, 1, 1] (the package's `weights/v0.1/vgg.pth`). A full LPIPS state dict
 * (`net.slice{1..5}.{idx}.weight` + `lin*`) is read too.
 *
 *   x in [−1, 1] → (x − shift) / scale, shift = [−.030, −.088, −.188], scale = [.458, .448, .450]
 *   VGG16 features, tapped after relu1_2, relu2_2, relu3_3, relu4_3, relu5_3
 *   per tap: f / (‖f‖_channels + 1e-10), then d = Σ_l mean_{y,x} Σ_c w_l[c] · (f̂_a − f̂_b)²
 *
 * `features(x)` returns, per tap, √w_l ⊙ f̂ / √(H_l·W_l) flattened, so the distance is Σ (φ(a) − φ(b))²,
 * which is how NVIDIA's projector uses its VGG16 (`return_lpips=True`, then `.square().sum()`).
 */
import { type HostTensor, toFloat32 } from '@stylegpu/io';
import {
  type Runtime,
  type Tensor,
  addScalar,
  biasAct,
  concat,
  conv2d,
  max,
  mul,
  normalizeChannels,
  reshape,
  slice,
  sqrt,
  square,
  sub,
  sum,
  div,
} from '@stylegpu/kernels';
import { areaDownsample } from './area-downsample.js';
import type { PerceptualDistance } from './perceptual.js';

/** torchvision vgg16 `features` indices: convolutions, max-pools, and the ReLU after which LPIPS taps. */
const VGG16_CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
const VGG16_POOLS = [4, 9, 16, 23];
const VGG16_TAPS = [3, 8, 15, 22, 29];
/** LPIPS's slices: features [0,4), [4,9), [9,16), [16,23), [23,30). */
const SLICE_STARTS = [0, 4, 9, 16, 23];

const LPIPS_SHIFT = [-0.03, -0.088, -0.188];
const LPIPS_SCALE = [0.458, 0.448, 0.45];

export interface LpipsWeights {
  /** conv index → weight [O, I, 3, 3], bias [O] */
  convs: Map<number, { weight: HostTensor; bias: HostTensor }>;
  /** lin0..lin4 weights [1, C_l, 1, 1] */
  lins: HostTensor[];
}

const TODO =
  "give torchvision's VGG16 weights (features.N.weight/bias, e.g. vgg16-397923af.pth) and the LPIPS linear heads (lin0..lin4.model.1.weight, the lpips package's weights/v0.1/vgg.pth)";

/**
 * Picks the LPIPS VGG16 tensors out of one or more state dicts (merged, later ones win), by their official
 * names. Missing or mis-shaped tensors are an error naming the key and the expected shape.
 */
export function lpipsWeightsFromStateDicts(dicts: ReadonlyArray<ReadonlyMap<string, HostTensor>>, source = 'LPIPS weights'): LpipsWeights {
  const all = new Map<string, HostTensor>();
  for (const d of dicts) for (const [k, v] of d) all.set(k, v);
  const find = (idx: number, what: 'weight' | 'bias'): HostTensor => {
    const slice = SLICE_STARTS.filter((s) => s <= idx).length;
    for (const key of [`features.${idx}.${what}`, `net.slice${slice}.${idx}.${what}`, `module.features.${idx}.${what}`]) {
      const t = all.get(key);
      if (t) return t;
    }
    throw new Error(`${source}: no VGG16 tensor 'features.${idx}.${what}' (nor 'net.slice${slice}.${idx}.${what}'); ${TODO}`);
  };
  const convs = new Map<number, { weight: HostTensor; bias: HostTensor }>();
  let inC = 3;
  for (const idx of VGG16_CONVS) {
    const weight = find(idx, 'weight');
    const bias = find(idx, 'bias');
    const [o, i, kh, kw] = weight.shape;
    if (weight.shape.length !== 4 || i !== inC || kh !== 3 || kw !== 3 || bias.shape.length !== 1 || bias.shape[0] !== o) {
      throw new Error(
        `${source}: features.${idx} has weight [${weight.shape.join(', ')}] and bias [${bias.shape.join(', ')}], expected [O, ${inC}, 3, 3] and [O]; ${TODO}`,
      );
    }
    convs.set(idx, { weight, bias });
    inC = o;
  }
  const lins: HostTensor[] = [];
  for (let l = 0; l < 5; l++) {
    const key = `lin${l}.model.1.weight`;
    const t = all.get(key);
    const c = convs.get(VGG16_CONVS[[1, 3, 6, 9, 12][l]])!.weight.shape[0];
    if (!t) throw new Error(`${source}: no LPIPS linear head '${key}'; ${TODO}`);
    if (t.shape.length !== 4 || t.shape[0] !== 1 || t.shape[1] !== c || t.shape[2] !== 1 || t.shape[3] !== 1) {
      throw new Error(`${source}: '${key}' is [${t.shape.join(', ')}], expected [1, ${c}, 1, 1] for this VGG16; ${TODO}`);
    }
    lins.push(t);
  }
  return { convs, lins };
}

export class LpipsVgg16 {
  private readonly convs = new Map<number, { weight: Tensor; bias: Tensor }>();
  /** √w_l, [1, C_l, 1, 1] */
  private readonly linSqrt: Tensor[] = [];

  constructor(
    readonly rt: Runtime,
    weights: LpipsWeights,
  ) {
    for (const [idx, { weight, bias }] of weights.convs) {
      this.convs.set(idx, { weight: rt.keep(rt.tensor(toFloat32(weight), weight.shape)), bias: rt.keep(rt.tensor(toFloat32(bias), bias.shape)) });
    }
    for (const lin of weights.lins) {
      // LPIPS clamps nothing at inference; its released heads are non-negative. A negative one has no √.
      const data = toFloat32(lin);
      if (data.some((v) => v < 0)) throw new Error('LpipsVgg16: a linear head holds negative weights, which LPIPS never has; check the file');
      this.linSqrt.push(rt.keep(rt.tensor(data.map(Math.sqrt), lin.shape)));
    }
  }

  /** The five normalised VGG16 activations (before the heads), [N, C_l, H_l, W_l] each. */
  normalizedTaps(x: Tensor): Tensor[] {
    let h = normalizeChannels(x, LPIPS_SHIFT, LPIPS_SCALE);
    const taps: Tensor[] = [];
    for (let idx = 0; idx < 30; idx++) {
      const conv = this.convs.get(idx);
      if (conv) {
        h = biasAct(conv2d(h, conv.weight, null, { padding: 1 }), conv.bias, { act: 'relu', gain: 1 }); // torch's ReLU: no √2 gain
        idx++; // the ReLU at idx + 1 is fused above
      } else if (VGG16_POOLS.includes(idx)) {
        h = maxPool2(h);
      }
      if (VGG16_TAPS.includes(idx)) taps.push(unitNormalize(h));
    }
    return taps;
  }

  /** [N, D]: per tap √w ⊙ f̂ / √(H·W), flattened and concatenated, so LPIPS(a, b) = Σ (φ(a) − φ(b))². */
  features(x: Tensor): Tensor {
    const n = x.shape[0];
    const parts = this.normalizedTaps(x).map((t, l) => {
      const [, c, hh, ww] = t.shape;
      return reshape(mul(t, mul(this.linSqrt[l], this.rt.tensor([1 / Math.sqrt(hh * ww)], [1]))), [n, c * hh * ww]);
    });
    return concat(parts, 1);
  }

  /** LPIPS distance per pair, [N]. */
  distance(a: Tensor, b: Tensor): Tensor {
    return sum(square(sub(this.features(a), this.features(b))), 1);
  }

  dispose(): void {
    for (const { weight, bias } of this.convs.values()) {
      weight.dispose();
      bias.dispose();
    }
    for (const t of this.linSqrt) t.dispose();
  }
}

/**
 * f / (‖f‖ + 1e-10) over channels, as LPIPS's normalize_tensor — with 1e-20 under the square root, so a pixel
 * whose features are all zero (ReLU) has a zero gradient instead of √'(0)·0 = NaN. The value changes by
 * under 1e-20/(2‖f‖): nothing in f32.
 */
function unitNormalize(h: Tensor): Tensor {
  return div(h, addScalar(sqrt(addScalar(sum(square(h), 1, true), 1e-20)), 1e-10));
}

/** torch's max_pool2d(kernel 2, stride 2): odd trailing rows and columns are dropped. */
function maxPool2(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape;
  const h2 = Math.floor(h / 2);
  const w2 = Math.floor(w / 2);
  const even = h % 2 || w % 2 ? slice(x, [null, null, [0, 2 * h2], [0, 2 * w2]]) : x;
  return max(reshape(even, [n, c, h2, 2, w2, 2]), [3, 5]);
}

/** The projector's perceptual term with LPIPS: images above 256 px are area-downsampled to 256 first, as NVIDIA does. */
export function lpipsDistance(lpips: LpipsVgg16, target: Tensor): PerceptualDistance {
  const rt = lpips.rt;
  const prep = (img: Tensor) => (img.shape[2] > 256 ? areaDownsample(img, 256) : img);
  const targetFeatures = rt.keep(rt.noGrad(() => rt.tidy(() => lpips.features(prep(target)))));
  return {
    kind: 'lpips-vgg16',
    distance: (synth) => sum(square(sub(targetFeatures, lpips.features(prep(synth))))),
    dispose: () => targetFeatures.dispose(),
  };
}


