// Image measurements for the render tests, written independently of the renderer: they read pixels only.

export interface Image {
  R: number;
  /** [3, R, R] in [-1, 1] */
  px: Float32Array;
}

/** RGB in [0, 1] at pixel (i, j) (column, row). */
export function rgbAt(img: Image, i: number, j: number): [number, number, number] {
  const n = img.R * img.R;
  const k = j * img.R + i;
  return [(img.px[k] + 1) / 2, (img.px[n + k] + 1) / 2, (img.px[2 * n + k] + 1) / 2];
}

export function distance(a: readonly number[], b: readonly number[]): number {
  return Math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2);
}

/** Hue in turns by the textbook hexcone formula (the test's own, not the package's). */
export function hueOf([r, g, b]: readonly number[]): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const c = max - min;
  if (c === 0) return 0;
  let h: number;
  if (max === r) h = (g - b) / c;
  else if (max === g) h = (b - r) / c + 2;
  else h = (r - g) / c + 4;
  h /= 6;
  return h < 0 ? h + 1 : h;
}

export function circularHueError(a: number, b: number): number {
  const d = Math.abs(a - b) % 1;
  return Math.min(d, 1 - d);
}

/** The colour shared by most border pixels (the background, when the object covers less than half the border). */
export function borderColour(img: Image): [number, number, number] {
  const counts = new Map<string, { n: number; c: [number, number, number] }>();
  const R = img.R;
  for (let t = 0; t < R; t++) {
    for (const [i, j] of [[t, 0], [t, R - 1], [0, t], [R - 1, t]] as const) {
      const c = rgbAt(img, i, j);
      const key = c.map((v) => v.toFixed(4)).join(',');
      const e = counts.get(key) ?? { n: 0, c };
      e.n++;
      counts.set(key, e);
    }
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0].c;
}

/** Pixels farther than `threshold` from `colour` (a boolean mask, row-major). */
export function maskAwayFrom(img: Image, colour: readonly number[], threshold: number): Uint8Array {
  const m = new Uint8Array(img.R * img.R);
  for (let j = 0; j < img.R; j++) for (let i = 0; i < img.R; i++) m[j * img.R + i] = distance(rgbAt(img, i, j), colour) > threshold ? 1 : 0;
  return m;
}

/** Pixels within `threshold` of `colour`. */
export function maskNear(img: Image, colour: readonly number[], threshold: number): Uint8Array {
  const m = new Uint8Array(img.R * img.R);
  for (let j = 0; j < img.R; j++) for (let i = 0; i < img.R; i++) m[j * img.R + i] = distance(rgbAt(img, i, j), colour) < threshold ? 1 : 0;
  return m;
}

/** Mask pixels whose 8 neighbours are all in the mask. */
export function erode(mask: Uint8Array, R: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let j = 1; j < R - 1; j++) {
    for (let i = 1; i < R - 1; i++) {
      let all = 1;
      for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) all &= mask[(j + dj) * R + i + di];
      out[j * R + i] = all;
    }
  }
  return out;
}

export function count(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

/** Centroid of a mask in pixel units, measured from the image's top-left corner (pixel centres at +0.5). */
export function centroid(mask: Uint8Array, R: number): { x: number; y: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let j = 0; j < R; j++) for (let i = 0; i < R; i++) if (mask[j * R + i]) {
    sx += i + 0.5;
    sy += j + 0.5;
    n++;
  }
  return { x: sx / n, y: sy / n };
}

/** Mean colour over a mask. */
export function meanColour(img: Image, mask: Uint8Array): [number, number, number] {
  const s = [0, 0, 0];
  let n = 0;
  for (let j = 0; j < img.R; j++) for (let i = 0; i < img.R; i++) if (mask[j * img.R + i]) {
    const c = rgbAt(img, i, j);
    s[0] += c[0];
    s[1] += c[1];
    s[2] += c[2];
    n++;
  }
  return [s[0] / n, s[1] / n, s[2] / n];
}
