/**
 * Adapted generators in the layout NADA (`checkpoint/{iter:06d}.pt`) and StyleDomain
 * (`model_type: 'original'` runs) release them: rosinality's `{'g_ema': state_dict, 'g_optim': …}`.
 *
 * NADA's files carry no `latent_avg` (NADA computes `mean_latent(4096)` when it loads them), so
 * `Generator.load` alone refuses them for the missing `mapping.w_avg`; `loadNadaGenerator` fills it
 * the same way: the mean of mapping(z) over 4096 z ~ N(0, I) (our generator, seed 0: not torch's
 * draws, so a truncated sample differs from NADA's by that estimate's noise). `g_optim` is ignored.
 *
 * Writing goes through the rosinality exporter, giving `{'g_ema', 'latent_avg'}` — both tools read
 * only `g_ema`. The optimiser state is not written (resume files are stylegpu's own).
 */
import { type HostTensor, hostTensor } from '@stylegpu/io';
import { type Runtime, randomNormal, slice, toHost } from '@stylegpu/kernels';
import { Generator, type StyleGanCheckpoint, defaultResampleFilter, exportRosinality, generatorShapes, loadStyleGanCheckpoint, parseStyleGanCheckpoint } from '@stylegpu/stylegan';

export const NADA_MEAN_LATENT_SAMPLES = 4096;

/** A generator from a path, bytes or an already parsed checkpoint; fills a missing w_avg as NADA does. */
export async function loadNadaGenerator(rt: Runtime, source: string | Uint8Array | StyleGanCheckpoint): Promise<Generator> {
  const ckpt = typeof source === 'string' ? await loadStyleGanCheckpoint(source) : source instanceof Uint8Array ? parseStyleGanCheckpoint(source) : source;
  if (ckpt.generator.has('mapping.w_avg')) return Generator.fromWeights(rt, ckpt.config.generator, ckpt.generator);
  const wDim = ckpt.config.generator.wDim;
  const weights = new Map(ckpt.generator);
  weights.set('mapping.w_avg', hostTensor('f32', [wDim], new Float32Array(wDim)));
  const g = Generator.fromWeights(rt, ckpt.config.generator, weights);
  const avg = g.params.get('mapping.w_avg')!;
  // Every layer of mapping(z) is the same w: read layer 0 and average on the CPU in float64
  // (a float32 GPU sum of 4096 values is off by ~1e-5 relative).
  const w0 = rt.noGrad(() =>
    rt.tidy(() => slice(g.mapping(randomNormal(rt, [NADA_MEAN_LATENT_SAMPLES, g.config.zDim], { seed: 0 }), { truncationPsi: 1 }), [null, [0, 1]])),
  );
  const host = await w0.read();
  w0.dispose();
  const acc = new Float64Array(wDim);
  for (let i = 0; i < host.length; i++) acc[i % wDim] += host[i];
  rt.tidy(() => rt.copy(rt.tensor(Float32Array.from(acc, (v) => v / NADA_MEAN_LATENT_SAMPLES), [wDim]), avg));
  return g;
}

export async function exportNadaGenerator(g: Generator): Promise<Uint8Array> {
  const host = new Map<string, HostTensor>();
  for (const [k, t] of g.params) host.set(k, await toHost(t));
  // The generator keeps no FIR buffers (it builds its filter itself); the file carries the standard one.
  for (const name of generatorShapes(g.config, { withWAvg: true }).keys()) {
    if (!host.has(name) && name.endsWith('resample_filter')) host.set(name, defaultResampleFilter());
  }
  return exportRosinality({ config: { generator: g.config, layout: 'rosinality-pt' }, generator: host });
}
