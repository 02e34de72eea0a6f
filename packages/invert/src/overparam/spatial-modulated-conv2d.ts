/**
 * Spatially varying style modulation: the style is a map s[n, i, y, x] (a latent per pixel through the
 * layer's affine), so every input pixel is scaled by its own style before the convolution:
 *
 *   x [N, I, H, W], weight [O, I, kh, kw], styleMap [N, I, H, W]
 *   y[n,o]     = conv(x ⊙ s, weight)                                   (+ NVIDIA's up = 2 route, as overparam)
 *   d[n,o,p]   = rsqrt(Σ_i (Σ_k weight[o,i,k]²) · s[n,i,p]² + 1e-8)      (demodulation by the local style)
 *   out[n,o,p] = y[n,o,p] · d[n,o,p]        (for up = 2, d is taken at the input pixel p/2: nearest upsampling)
 *
 * This is the `fused_modconv=False` form of StyleGAN2's modulated convolution (scale x, convolve, scale by d)
 * with the style allowed to vary over the image. With a spatially constant map it is exactly
 * `modulatedConv2d` (tested). The demodulation uses the style at the output position rather than under every
 * tap: an exact per-tap demodulation has no closed form for the transposed convolution and differs only where
 * the style changes within a 3×3 window. (Design choice: the paper's exact spatial variant was not recoverable.)
 */
import {
  type FirFilter,
  type Tensor,
  addScalar,
  conv2d,
  convTranspose2d,
  expand,
  mul,
  permute,
  reshape,
  rsqrt,
  setupFilter,
  square,
  sum,
  upfirdn2d,
} from '@stylegpu/kernels';
import type { OverparamConvOptions } from './overparam-modulated-conv2d.js';

const DEFAULT_FILTER = setupFilter([1, 3, 3, 1]);

export function spatialModulatedConv2d(x: Tensor, weight: Tensor, styleMap: Tensor, opts: OverparamConvOptions = {}): Tensor {
  const [N, I, H, W] = x.shape;
  const [O, wi, kh, kw] = weight.shape;
  if (x.rank !== 4 || weight.rank !== 4 || wi !== I || styleMap.rank !== 4 || styleMap.shape.some((d, k) => d !== x.shape[k])) {
    throw new Error(
      `spatialModulatedConv2d: expected x [N, I, H, W], weight [O, I, kh, kw], styleMap [N, I, H, W]; got x [${x.shape.join(', ')}], ` +
        `weight [${weight.shape.join(', ')}], styleMap [${styleMap.shape.join(', ')}]`,
    );
  }
  const up = opts.up ?? 1;
  const p = opts.padding ?? Math.floor(kh / 2);
  const xs = mul(x, styleMap);
  let y: Tensor;
  if (up === 1) {
    y = conv2d(xs, weight, null, { padding: p });
  } else if (up === 2) {
    const f: FirFilter = opts.resampleFilter ?? DEFAULT_FILTER;
    const fw = f.shape[f.shape.length - 1];
    const pad0 = Math.floor((fw + up - 1) / 2) + p - (kw - 1);
    const pad1 = Math.floor((fw - up) / 2) + p - (kw - up);
    if (pad0 < 0 || pad1 < 0) throw new Error(`spatialModulatedConv2d: kernel ${kh}×${kw} with padding ${p} is not supported for up = 2`);
    const t = convTranspose2d(xs, permute(weight, [1, 0, 2, 3]), null, { stride: 2 });
    y = upfirdn2d(t, f, { padding: [pad0, pad1, pad0, pad1], gain: up * up });
  } else {
    throw new Error(`spatialModulatedConv2d: up must be 1 or 2, got ${up}`);
  }
  if (!(opts.demodulate ?? true)) return y;
  const energy = reshape(sum(square(weight), [2, 3]), [O, I, 1, 1]);
  let d = rsqrt(addScalar(conv2d(square(styleMap), energy), 1e-8)); // [N, O, H, W]
  if (up === 2) d = reshape(expand(reshape(d, [N, O, H, 1, W, 1]), [N, O, H, 2, W, 2]), [N, O, 2 * H, 2 * W]);
  return mul(y, d);
}
