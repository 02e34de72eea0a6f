/**
 * How a factor schema maps onto the predictor's output columns, and back.
 *
 *   continuous, not circular   1 column, regressed on the normalised value in [0, 1]
 *   continuous, circular       2 columns (cos 2πv, sin 2πv): hue 0.99 and 0.01 are close, and a plain
 *                              regression would be told they are far apart; decoded with atan2
 *   categorical (K classes)    K logits, softmax cross-entropy
 */
import { checkFactors, type FactorSchema } from '../schema.js';

export interface HeadColumns {
  name: string;
  kind: 'regression' | 'circular' | 'categorical';
  /** First output column of this factor. */
  offset: number;
  /** Columns: 1, 2, or the number of classes. */
  width: number;
}

export interface HeadLayout {
  factors: HeadColumns[];
  /** Total output columns. */
  outputs: number;
}

export function headLayout(schema: FactorSchema): HeadLayout {
  if (!Array.isArray(schema) || schema.length === 0) throw new Error('factor predictor: the factor schema is empty; it needs at least one factor to predict');
  let offset = 0;
  const factors = schema.map((spec): HeadColumns => {
    const kind = spec.kind === 'categorical' ? 'categorical' : spec.circular ? 'circular' : 'regression';
    const width = spec.kind === 'categorical' ? spec.classes.length : spec.circular ? 2 : 1;
    if (spec.kind === 'categorical' && width < 2) {
      throw new Error(`factor predictor: categorical factor '${spec.name}' has ${width} class(es); it needs at least 2`);
    }
    const c = { name: spec.name, kind, offset, width } as HeadColumns;
    offset += width;
    return c;
  });
  return { factors, outputs: offset };
}

export interface FactorTargets {
  /** [N, outputs]: regression values, (cos, sin) pairs, and one-hot rows for categorical factors. */
  target: Float32Array;
  /** [outputs]: 1 on the columns the squared error covers (regression and circular), 0 on logits. */
  squaredErrorMask: Float32Array;
}

/**
 * Factor vectors as rows: a list of vectors, or one flat array of N·F numbers (a world `Batch`'s
 * `factors`), split into rows of the schema's F factors.
 */
export function factorRows(schema: FactorSchema, factors: FactorVectors, where: string): ArrayLike<number>[] {
  if (factors == null || typeof factors.length !== 'number') throw new Error(`${where}: factors must be a list of factor vectors or a flat array of N·${schema.length} numbers`);
  if (factors.length > 0 && typeof factors[0] === 'number') {
    const flat = factors as ArrayLike<number>;
    const F = schema.length;
    if (flat.length % F !== 0) throw new Error(`${where}: a flat factor array of ${flat.length} numbers does not make rows of the schema's ${F} factors`);
    return Array.from({ length: flat.length / F }, (_, n) => Array.prototype.slice.call(flat, n * F, (n + 1) * F) as number[]);
  }
  return Array.from(factors as ArrayLike<ArrayLike<number>>);
}

/** A list of factor vectors, or N·F numbers row after row (as a world `Batch` holds them). */
export type FactorVectors = ArrayLike<ArrayLike<number>> | ArrayLike<number>;

/** Factor vectors (schema order, checked) → the targets the loss compares the outputs with. */
export function encodeTargets(schema: FactorSchema, layout: HeadLayout, vectors: FactorVectors, where: string): FactorTargets {
  const factors = factorRows(schema, vectors, where);
  const N = factors.length;
  const O = layout.outputs;
  const target = new Float32Array(N * O);
  for (let n = 0; n < N; n++) {
    const f = factors[n];
    checkFactors(schema, f, `${where} (factors of sample ${n})`);
    layout.factors.forEach((c, i) => {
      const v = f[i];
      const row = n * O + c.offset;
      if (c.kind === 'regression') target[row] = v;
      else if (c.kind === 'circular') (target[row] = Math.cos(2 * Math.PI * v)), (target[row + 1] = Math.sin(2 * Math.PI * v));
      else target[row + v] = 1;
    });
  }
  const squaredErrorMask = new Float32Array(O);
  for (const c of layout.factors) if (c.kind !== 'categorical') squaredErrorMask.fill(1, c.offset, c.offset + c.width);
  return { target, squaredErrorMask };
}

/** Outputs [N, outputs] → factor vectors in schema order (valid for `checkFactors`). */
export function decodeOutputs(layout: HeadLayout, outputs: ArrayLike<number>, N: number): number[][] {
  const O = layout.outputs;
  if (outputs.length !== N * O) throw new Error(`factor predictor: ${outputs.length} outputs for ${N} images of ${O} columns`);
  const out: number[][] = [];
  for (let n = 0; n < N; n++) {
    out.push(
      layout.factors.map((c) => {
        const row = n * O + c.offset;
        if (c.kind === 'regression') return Math.min(1, Math.max(0, outputs[row]));
        if (c.kind === 'circular') {
          const turns = Math.atan2(outputs[row + 1], outputs[row]) / (2 * Math.PI);
          const wrapped = turns - Math.floor(turns); // [0, 1]; 1 only by rounding, and 1 is 0 on a circle
          return wrapped >= 1 ? 0 : wrapped;
        }
        let best = 0;
        for (let k = 1; k < c.width; k++) if (outputs[row + k] > outputs[row + best]) best = k;
        return best;
      }),
    );
  }
  return out;
}
