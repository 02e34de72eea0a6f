/**
 * Stand-ins for a released NADA model and StyleDomain directions of the test generator: the
 * fixture's weights with seeded perturbations, written as rosinality `.pt` (as NADA releases
 * them), and seeded StyleSpace offsets written in StyleDomain's `models_*.pt` layout.
 */
import { hostTensor } from '@stylegpu/io';
import { exportRosinality, parseStyleGanCheckpoint, NumpyRandomState } from '@stylegpu/stylegan';
import { generatorLayout, writeStyleDomainDirection, zeroDirection } from '@stylegpu/adapt';

/** The generator of `bytes` with every synthesis weight moved by `scale`·N(0, 1), as rosinality .pt bytes. */
export function perturbedGenerator(bytes: Uint8Array, seed: number, scale: number): Uint8Array {
  const ckpt = parseStyleGanCheckpoint(bytes);
  const rng = new NumpyRandomState(seed);
  for (const [name, t] of ckpt.generator) {
    if (!name.startsWith('synthesis.') || !name.endsWith('.weight')) continue;
    const noise = rng.randn(t.data.length);
    const data = Float32Array.from(t.data as Float32Array, (x, i) => x + scale * noise[i]);
    ckpt.generator.set(name, hostTensor('f32', t.shape, data));
  }
  return exportRosinality(ckpt);
}

/** A StyleDomain s_delta direction of `scale`·N(0, 1) offsets for the generator of `bytes`. */
export function randomStyleDirection(bytes: Uint8Array, seed: number, scale: number): Uint8Array {
  const layout = generatorLayout(parseStyleGanCheckpoint(bytes).config.generator);
  const rng = new NumpyRandomState(seed);
  const direction = zeroDirection(layout);
  for (const [layer, v] of direction) {
    const noise = rng.randn(v.length);
    direction.set(layer, Float32Array.from(noise, (x) => scale * x));
  }
  return writeStyleDomainDirection(direction, layout);
}
