/**
 * The comparison table: several direction-finding methods measured against the same ground truth.
 * Every method's step scales are first calibrated with the same sensor to the same relative feature
 * change (traverse/calibrate.ts), so a method is not favoured by taking larger steps; then each is
 * traversed over the same seeds and steps, its direction × factor effect matrix measured with the
 * factor predictor (metrics/factor-effects.ts) and scored (metrics/disentanglement.ts).
 */
import type { LatentEditor } from '../direction-set.js';
import type { LatentGenerator } from '../latent-generator.js';
import { disentanglementScores, type DisentanglementOptions, type DisentanglementScores } from '../metrics/disentanglement.js';
import { factorEffects, type FactorEffects, type FactorEffectsOptions, type FactorPredictorFn } from '../metrics/factor-effects.js';
import type { FeatureSensor } from '../sensors/feature-sensor.js';
import { calibrateSteps, type CalibrateOptions } from '../traverse/calibrate.js';

export interface MethodEntry {
  name: string;
  editor: LatentEditor;
}

export interface ComparisonRow {
  method: string;
  directions: number;
  stepScales: number[];
  effects: FactorEffects;
  scores: DisentanglementScores;
}

export interface ComparisonOptions extends FactorEffectsOptions, DisentanglementOptions {
  /** Calibrate every method with this sensor first (recommended). */
  calibrate?: { sensor: FeatureSensor } & CalibrateOptions;
  onMethod?: (name: string) => void;
}

export async function compareMethods(gen: LatentGenerator, methods: readonly MethodEntry[], predict: FactorPredictorFn, opts: ComparisonOptions = {}): Promise<ComparisonRow[]> {
  if (methods.length === 0) throw new Error('compareMethods: no methods to compare');
  const rows: ComparisonRow[] = [];
  for (const m of methods) {
    opts.onMethod?.(m.name);
    let editor = m.editor;
    if (opts.calibrate) {
      const scales = await calibrateSteps(gen, editor, opts.calibrate.sensor, opts.calibrate);
      editor = withStepScales(editor, scales);
    }
    const effects = await factorEffects(gen, editor, predict, opts);
    rows.push({
      method: m.name,
      directions: editor.count,
      stepScales: [...editor.stepScales],
      effects,
      scores: disentanglementScores(effects.effects, effects.directions, effects.factors, opts),
    });
  }
  return rows;
}

/** The same editor with other step scales. */
export function withStepScales(e: LatentEditor, stepScales: readonly number[]): LatentEditor {
  if (stepScales.length !== e.count) throw new Error(`withStepScales: ${stepScales.length} scales for ${e.count} directions`);
  return { count: e.count, wDim: e.wDim, numWs: e.numWs, names: e.names, stepScales: [...stepScales], offset: (w, k) => e.offset(w, k) };
}

/** A Markdown table: method, directions, disentanglement, completeness, discovered factors (of F). */
export function comparisonMarkdown(rows: readonly ComparisonRow[]): string {
  const F = rows[0]?.effects.factors ?? 0;
  const lines = [
    '| method | directions | disentanglement | completeness | factors discovered |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.method} | ${r.directions} | ${r.scores.disentanglement.toFixed(3)} | ${r.scores.completeness.toFixed(3)} | ${r.scores.discovered} / ${F} |`),
  ];
  return lines.join('\n') + '\n';
}
