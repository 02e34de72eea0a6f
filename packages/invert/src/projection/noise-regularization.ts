/**
 * The noise-map regulariser of NVIDIA's `projector.py`: for every noise map, at every scale down to 8×8
 * (halving by 2×2 average pooling), the squared mean of its product with itself shifted by one pixel
 * (circularly, along x and along y). It keeps the optimised noise maps from fitting image content:
 * white noise has zero one-pixel autocorrelation at every scale.
 *
 * After each optimiser step the maps are renormalised to zero mean and unit variance (`renormalizeNoise`).
 */
import { type Tensor, add, concat, mean, mul, reshape, rsqrt, slice, square, sub } from '@stylegpu/kernels';

/** x shifted by one along `axis` with wrap-around (torch.roll(x, 1, axis)). */
export function rollByOne(x: Tensor, axis: number): Tensor {
  const n = x.shape[axis];
  const ranges = (r: [number, number]) => x.shape.map((_, i) => (i === axis ? r : null));
  return concat([slice(x, ranges([n - 1, n])), slice(x, ranges([0, n - 1]))], axis);
}

/** 2×2 average pooling of a [H, W] map with even sides. */
export function avgPool2(x: Tensor): Tensor {
  const [h, w] = x.shape;
  return mean(reshape(x, [h / 2, 2, w / 2, 2]), [1, 3]);
}

/** Σ over maps and scales of mean(n·roll_x(n))² + mean(n·roll_y(n))²; `maps` are [H, W] square maps. */
export function noiseRegularization(maps: readonly Tensor[]): Tensor {
  let total: Tensor | null = null;
  for (const map of maps) {
    if (map.rank !== 2 || map.shape[0] !== map.shape[1]) throw new Error(`noiseRegularization: noise maps must be square [H, W], got [${map.shape.join(', ')}]`);
    let n = map;
    for (;;) {
      const termX = square(mean(mul(n, rollByOne(n, 1))));
      const termY = square(mean(mul(n, rollByOne(n, 0))));
      const both = add(termX, termY);
      total = total ? add(total, both) : both;
      if (n.shape[0] <= 8) break;
      n = avgPool2(n);
    }
  }
  if (!total) throw new Error('noiseRegularization: no noise maps given');
  return total;
}

/** In place: every map ← (map − mean) / rms, as the projector does after each step (no gradient). */
export function renormalizeNoise(maps: readonly Tensor[]): void {
  for (const map of maps) {
    const rt = map.rt;
    rt.tidy(() =>
      rt.noGrad(() => {
        const centred = sub(map, mean(map));
        rt.copy(mul(centred, rsqrt(mean(square(centred)))), map);
      }),
    );
  }
}
