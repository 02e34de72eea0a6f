// Section 4: SeFa (closed form: the top eigenvectors of the stacked style affines' AᵀA) on the embedded
// generator, a traversal grid of the top 3 directions, and — with the factor predictor — the discovery
// package's direction × factor effect matrix, read as "which factor each direction moves most".
import { join } from 'node:path';
import { resize } from '@stylegpu/kernels';
import { Generator } from '@stylegpu/stylegan';
import { directionSetEditor, factorEffects, renderTraversal, sampleWHost, seedRange, sefa, styleGanLatents, traversalGrid } from '@stylegpu/discovery';
import { loadPredictor } from '@stylegpu/world/predictor';
import { GENERATOR, PREDICTOR } from './embedded.mjs';
import { writeRasterPng } from './images.mjs';
import { spreadAlong, strongestFactors } from './measures.mjs';

const DIRECTIONS = 3;
/** Traversal steps, in standard deviations of w along each direction. */
const TRAVERSAL_ALPHAS = [-3, -2, -1, 0, 1, 2, 3];
const TRAVERSAL_SEEDS = [0, 1, 2];
/** What the effect matrix averages over (as `stylegpu discover table`'s evaluation). */
const EFFECT_ALPHAS = [-2, -1, 1, 2];
const EFFECT_SEEDS = seedRange(2_000_000, 16);

export async function discoverySection({ rt, out, predictorMissing }) {
  const G = await Generator.load(rt, GENERATOR);
  const noPredictor = predictorMissing();
  const predictor = noPredictor ? null : await loadPredictor(rt, PREDICTOR);
  try {
    const gen = styleGanLatents(G);
    let t = performance.now();
    const set = await sefa(G, { components: DIRECTIONS });
    // SeFa's directions are unit vectors in W; one step is the spread of w along the direction.
    const w = await sampleWHost(gen, seedRange(1_000_000, 512));
    const stepScales = spreadAlong(w, set.vectors, G.config.wDim);
    const editor = directionSetEditor({ ...set, stepScales });
    console.log(`  SeFa over all ${G.numWs} ws' affines in ${((performance.now() - t) / 1000).toFixed(2)} s; eigenvalues ${set.eigenvalues.map((v) => v.toFixed(2)).join(', ')}; ` +
      `std of w along them ${stepScales.map((v) => v.toFixed(3)).join(', ')} (512 samples)`);

    t = performance.now();
    const traversal = await renderTraversal(gen, editor, { seeds: TRAVERSAL_SEEDS, alphas: TRAVERSAL_ALPHAS });
    const file = join(out, 'discovery.png');
    writeRasterPng(file, traversalGrid(traversal), 4);
    console.log(`  traversal: ${DIRECTIONS} directions × seeds ${TRAVERSAL_SEEDS.join(', ')} (rows), α = ${TRAVERSAL_ALPHAS.join(', ')} std (columns), ${((performance.now() - t) / 1000).toFixed(1)} s → ${file}`);

    if (!predictor) {
      console.log(`  factor effects ${noPredictor}`);
      return;
    }
    t = performance.now();
    const schema = predictor.config.schema;
    const R = predictor.config.resolution;
    // The predictor reads its own resolution (as `stylegpu discover table`): resize when the generator's differs.
    const predict = async (images) => {
      if (images.shape[2] === R) return predictor.predictFactors(images);
      const small = rt.keep(rt.noGrad(() => rt.tidy(() => resize(images, [R, R], { mode: 'bilinear', antialias: true }))));
      try {
        return await predictor.predictFactors(small);
      } finally {
        small.dispose();
      }
    };
    const effects = await factorEffects(gen, editor, predict, {
      seeds: EFFECT_SEEDS,
      alphas: EFFECT_ALPHAS,
      factorKinds: schema.map((f) => (f.kind === 'categorical' ? 'categorical' : f.circular ? 'circular' : 'linear')),
      factorNames: schema.map((f) => f.name),
    });
    console.log(`  factor effects (mean |Δ| over ${EFFECT_SEEDS.length} seeds × α = ${EFFECT_ALPHAS.join(', ')} std, in units of each factor's spread over those seeds; ` +
      `categorical: share of edits that change the class), ${((performance.now() - t) / 1000).toFixed(1)} s:`);
    const strongest = strongestFactors(effects.effects, effects.directions, effects.factors, effects.factorNames);
    strongest.forEach(({ top, next }, d) => {
      console.log(`    ${effects.directionNames[d]}: moves ${top.factor} most (${top.effect.toFixed(3)})${next ? `, then ${next.factor} (${next.effect.toFixed(3)})` : ''}`);
    });
  } finally {
    predictor?.dispose();
    G.dispose();
  }
}
