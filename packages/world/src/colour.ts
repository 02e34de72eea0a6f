/**
 * Colour names from hue, and the HSV conversions the renderers use.
 *
 * Hues are fractions of a turn in [0, 1) (0 red, 1/3 green, 2/3 blue). The eight names cover the circle in bins
 * chosen to match what the renderer's HSV colours look like: the bins are not equal in width (green spans 92°,
 * orange 28°), and red wraps through 0. Samplers draw a name first and then a hue in the central part of its bin,
 * so a sampled colour is never on the edge between two names.
 */

export const COLOUR_NAMES = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink'] as const;
export type ColourName = (typeof COLOUR_NAMES)[number];

/** Start of each name's bin in degrees; a bin runs to the next start (pink runs to 345°, where red begins). */
const BIN_START_DEGREES: Readonly<Record<ColourName, number>> = {
  red: -15,
  orange: 12,
  yellow: 40,
  green: 68,
  cyan: 160,
  blue: 200,
  purple: 250,
  pink: 290,
};

export interface HueBin {
  name: ColourName;
  /** Start of the bin as a fraction of a turn; may be negative (red starts at -15°). */
  start: number;
  /** End of the bin (exclusive) as a fraction of a turn, greater than start. */
  end: number;
  /** The bin's central hue in [0, 1). */
  centre: number;
}

/** The eight hue bins in order around the circle. */
export const HUE_BINS: readonly HueBin[] = COLOUR_NAMES.map((name, i) => {
  const start = BIN_START_DEGREES[name] / 360;
  const next = COLOUR_NAMES[(i + 1) % COLOUR_NAMES.length];
  let end = BIN_START_DEGREES[next] / 360;
  if (end <= start) end += 1;
  return { name, start, end, centre: wrapHue((start + end) / 2) };
});

/** A hue folded into [0, 1). */
export function wrapHue(h: number): number {
  const w = h - Math.floor(h);
  return w === 1 ? 0 : w;
}

/** The colour name of a hue (any real number; taken modulo one turn). */
export function hueName(hue: number): ColourName {
  if (!Number.isFinite(hue)) throw new Error(`hueName: hue must be a finite number of turns, got ${hue}`);
  const h = wrapHue(hue);
  for (const bin of HUE_BINS) {
    if ((h >= bin.start && h < bin.end) || (h + 1 >= bin.start && h + 1 < bin.end) || (h - 1 >= bin.start && h - 1 < bin.end)) {
      return bin.name;
    }
  }
  throw new Error(`hueName: hue ${hue} fell in no bin (the bins must cover the circle)`);
}

/** The bin of a colour name; throws naming the known names for anything else. */
export function hueBin(name: string): HueBin {
  const bin = HUE_BINS.find((b) => b.name === name);
  if (!bin) throw new Error(`unknown colour name '${name}'; known: ${COLOUR_NAMES.join(', ')}`);
  return bin;
}

/** The central hue of a colour name, in [0, 1). */
export function hueOfName(name: string): number {
  return hueBin(name).centre;
}

/**
 * A hue drawn from the central `fraction` of a name's bin, given a uniform u in [0, 1). With fraction < 1 the
 * hue keeps a margin of (1 - fraction)/2 of the bin's width from either neighbour.
 */
export function hueInBin(name: string, u: number, fraction = 0.7): number {
  const bin = hueBin(name);
  const width = bin.end - bin.start;
  return wrapHue(bin.start + width * ((1 - fraction) / 2 + fraction * u));
}

export type Rgb = [number, number, number];

/** HSV (hue in turns, saturation and value in [0, 1]) to RGB in [0, 1]. */
export function hsvToRgb(h: number, s: number, v: number): Rgb {
  const h6 = wrapHue(h) * 6;
  const f = (n: number) => {
    const k = (n + h6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/** RGB in [0, 1] to HSV; hue in [0, 1) turns, 0 for greys (where it is undefined). */
export function rgbToHsv(r: number, g: number, b: number): { h: number; s: number; v: number } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d) / 6;
    else if (max === g) h = ((b - r) / d + 2) / 6;
    else h = ((r - g) / d + 4) / 6;
  }
  return { h: wrapHue(h), s: max > 0 ? d / max : 0, v: max };
}

/** The colour name of an RGB colour, by its hue. Meaningless for greys; callers check saturation first. */
export function colourNameOfRgb(r: number, g: number, b: number): ColourName {
  return hueName(rgbToHsv(r, g, b).h);
}

/** Circular distance between two hues, in turns (0..0.5). */
export function hueDistance(a: number, b: number): number {
  const d = Math.abs(wrapHue(a) - wrapHue(b));
  return Math.min(d, 1 - d);
}
