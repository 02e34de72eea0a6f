/**
 * How well predicted factors match the true ones, per factor: mean absolute error for continuous
 * factors (on the circle for circular ones: |Δ| wraps, so 0.95 vs 0.05 is 0.1 apart) and accuracy
 * for categorical ones. Plain float64 on the CPU.
 */
import type { FactorSchema } from '../schema.js';
import { factorRows, type FactorVectors } from './head-layout.js';

export type FactorScore = { name: string; kind: 'continuous'; meanAbsoluteError: number } | { name: string; kind: 'categorical'; accuracy: number };

export function scoreFactors(schema: FactorSchema, predicted: FactorVectors, truth: FactorVectors): FactorScore[] {
  const p = factorRows(schema, predicted, 'scoreFactors (predicted)');
  const t = factorRows(schema, truth, 'scoreFactors (truth)');
  if (p.length !== t.length || p.length === 0) throw new Error(`scoreFactors: ${p.length} predicted vectors for ${t.length} true ones (expected as many, at least one)`);
  return schema.map((spec, i) => {
    let total = 0;
    for (let n = 0; n < p.length; n++) {
      if (spec.kind === 'categorical') total += p[n][i] === t[n][i] ? 1 : 0;
      else {
        const d = Math.abs(p[n][i] - t[n][i]);
        total += spec.circular ? Math.min(d, 1 - d) : d;
      }
    }
    return spec.kind === 'categorical'
      ? { name: spec.name, kind: 'categorical', accuracy: total / p.length }
      : { name: spec.name, kind: 'continuous', meanAbsoluteError: total / p.length };
  });
}
