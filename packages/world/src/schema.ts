/**
 * Factor schemas: what each entry of a world's factor vector means, and the checks every public entry point runs
 * on a vector before rendering it.
 *
 * A factor vector is a plain list of numbers, one per factor in schema order. Continuous factors are normalised to
 * [0, 1]; `physical` says what 0 and 1 stand for (e.g. a centroid at 0.28 or 0.72 of the image width). Categorical
 * factors hold a class index (an integer in [0, classes.length)).
 */

export interface PhysicalRange {
  /** What the normalised value 0 maps to. */
  from: number;
  /** What the normalised value 1 maps to (the mapping is linear in between). */
  to: number;
  /** The unit of from/to, e.g. 'image widths', 'degrees', 'turns'. */
  unit: string;
}

export interface ContinuousFactor {
  name: string;
  kind: 'continuous';
  /** Always [0, 1]: the range of the normalised value. */
  range: readonly [number, number];
  /** True for angles such as hue, where 0 and 1 are the same value. */
  circular: boolean;
  physical?: PhysicalRange;
  description: string;
}

export interface CategoricalFactor {
  name: string;
  kind: 'categorical';
  classes: readonly string[];
  description: string;
}

export type FactorSpec = ContinuousFactor | CategoricalFactor;

export type FactorSchema = readonly FactorSpec[];

/** A factor as a record value: a number for continuous factors, a class name for categorical ones. */
export type FactorRecord = Record<string, number | string>;

export function continuous(
  name: string,
  description: string,
  options: { physical?: PhysicalRange; circular?: boolean } = {},
): ContinuousFactor {
  return { name, kind: 'continuous', range: [0, 1], circular: options.circular ?? false, physical: options.physical, description };
}

export function categorical(name: string, classes: readonly string[], description: string): CategoricalFactor {
  return { name, kind: 'categorical', classes, description };
}

/** Maps a normalised continuous value to its physical value (linear). */
export function toPhysical(spec: ContinuousFactor, value: number): number {
  if (!spec.physical) return value;
  return spec.physical.from + (spec.physical.to - spec.physical.from) * value;
}

/** The index of a factor in the schema, or a clear error naming the known factors. */
export function factorIndex(schema: FactorSchema, name: string, where: string): number {
  const i = schema.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`${where}: unknown factor '${name}'; factors are ${schema.map((f) => f.name).join(', ')}`);
  return i;
}

/**
 * Throws a clear Error unless `factors` is a valid vector for `schema`: the right length, every entry a finite
 * number, continuous ones in [0, 1], categorical ones integer class indices.
 */
export function checkFactors(schema: FactorSchema, factors: ArrayLike<number>, where: string): void {
  if (factors == null || typeof factors.length !== 'number') {
    throw new Error(`${where}: factors must be an array of ${schema.length} numbers (${schema.map((f) => f.name).join(', ')})`);
  }
  if (factors.length !== schema.length) {
    throw new Error(
      `${where}: expected ${schema.length} factors (${schema.map((f) => f.name).join(', ')}), got ${factors.length}`,
    );
  }
  for (let i = 0; i < schema.length; i++) {
    const spec = schema[i];
    const v = factors[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${where}: factor '${spec.name}' (index ${i}) is ${String(v)}; it must be a finite number`);
    }
    if (spec.kind === 'continuous') {
      if (v < 0 || v > 1) {
        throw new Error(`${where}: continuous factor '${spec.name}' is ${v}; normalised factors lie in [0, 1]`);
      }
    } else if (!Number.isInteger(v) || v < 0 || v >= spec.classes.length) {
      throw new Error(
        `${where}: categorical factor '${spec.name}' is ${v}; it must be a class index 0..${spec.classes.length - 1} ` +
          `(${spec.classes.join(', ')})`,
      );
    }
  }
}

/** A factor vector as a record keyed by factor name, with class names for categorical factors. */
export function factorsToRecord(schema: FactorSchema, factors: ArrayLike<number>, where: string): FactorRecord {
  checkFactors(schema, factors, where);
  const out: FactorRecord = {};
  schema.forEach((spec, i) => {
    out[spec.name] = spec.kind === 'categorical' ? spec.classes[factors[i]] : factors[i];
  });
  return out;
}

/**
 * A factor vector from a record (class names or indices for categorical factors). Factors missing from the record
 * are taken from `base`; with no base, every factor must be given.
 */
export function recordToFactors(
  schema: FactorSchema,
  record: Readonly<Record<string, number | string>>,
  where: string,
  base?: ArrayLike<number>,
): number[] {
  for (const key of Object.keys(record)) factorIndex(schema, key, where);
  if (base) checkFactors(schema, base, where);
  const out = schema.map((spec, i) => {
    const given = record[spec.name];
    if (given === undefined) {
      if (!base) throw new Error(`${where}: factor '${spec.name}' is missing and no base vector was given`);
      return base[i];
    }
    if (typeof given === 'string') {
      if (spec.kind !== 'categorical') {
        throw new Error(`${where}: continuous factor '${spec.name}' needs a number in [0, 1], got '${given}'`);
      }
      const c = spec.classes.indexOf(given);
      if (c < 0) throw new Error(`${where}: '${given}' is not a class of '${spec.name}' (${spec.classes.join(', ')})`);
      return c;
    }
    return given;
  });
  checkFactors(schema, out, where);
  return out;
}
