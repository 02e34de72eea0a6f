// The comparison table on the planted toy generator, where the ground truth is exact: navigator (fixed/ada binary,
// fixed prototype) vs GANSpace vs SeFa, each calibrated with the pixel sensor and measured with the toy's own factor
// reader. Run after building: `node packages/discovery/scripts/toy-table.mjs [steps]` (prints a Markdown table).
import { createRuntime } from '@stylegpu/kernels';
import {
  compareMethods,
  comparisonMarkdown,
  directionSetEditor,
  ganspace,
  layerRangeWeights,
  Navigator,
  NavigatorTrainer,
  PlantedGenerator,
  pixelSensor,
  sefaFromWeights,
} from '../dist/index.js';

const steps = Number(process.argv[2] ?? 150);
// LR_SCALE multiplies every navigator learning rate; ONLY=nav-fixed,sefa restricts the methods.
const lrScale = Number(process.env.LR_SCALE ?? 1);
const only = process.env.ONLY ? process.env.ONLY.split(',') : null;
const F = 4;
const rt = await createRuntime();
const toy = new PlantedGenerator(rt, { wDim: 6, numWs: 2, factors: F, resolution: 16, seed: 1 });
const sensor = pixelSensor(2);
const methods = [];
for (const [name, type, variant, lr] of [
  ['nav-fixed', 'fixed', 'binary', 0.02],
  ['nav-ada', 'ada', 'binary', 0.01],
  ['nav-prototype', 'fixed', 'prototype', 0.02],
]) {
  if (only && !only.includes(name)) continue;
  const nav = Navigator.create(rt, { wDim: 6, numWs: 2, directions: F, type, heat: 'global' }, 3);
  const trainer = await NavigatorTrainer.create(toy, nav, sensor, { pairs: 6, lr: lr * lrScale, variant, divLambda: 1, seed: 5 });
  const t0 = performance.now();
  const log = await trainer.train(steps);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.error(`${name}: ${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s, loss ${mean(log.slice(0, 10).map((r) => r.loss)).toFixed(3)} → ${mean(log.slice(-10).map((r) => r.loss)).toFixed(3)}`);
  trainer.dispose();
  methods.push({ name, editor: nav });
}
if (!only || only.includes('ganspace')) methods.push({ name: 'ganspace', editor: directionSetEditor(await ganspace(toy, { samples: 5000, components: F })) });
if (!only || only.includes('sefa')) {
  const sf = sefaFromWeights(toy.weightBlocks(), 6, F);
  methods.push({ name: 'sefa', editor: directionSetEditor({ ...sf, numWs: 2, layerWeights: layerRangeWeights(F, 2) }) });
}
const rows = await compareMethods(toy, methods, (im) => toy.predictFactors(im), {
  seeds: Array.from({ length: 32 }, (_, i) => 5000 + i),
  alphas: [-2, -1, 1, 2],
  calibrate: { sensor, target: 0.5 },
});
process.stdout.write(comparisonMarkdown(rows));
for (const m of methods) if (m.editor instanceof Navigator) m.editor.dispose();
toy.dispose();
rt.destroy();
