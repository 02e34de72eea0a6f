/**
 * Checkpoint tensors to GPU parameters, for the generator and the discriminator alike: every
 * expected name present with its exact shape, nothing unexpected, and nothing left allocated if
 * a check fails. `resample_filter` buffers are skipped: they are always setup_filter([1, 3, 3, 1]),
 * which the loader checks and the models rebuild.
 */
import type { HostTensor } from '@stylegpu/io';
import { type Runtime, type Tensor, fromHost } from '@stylegpu/kernels';

const list = (names: string[]) => `${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`;

export function uploadWeights(
  rt: Runtime,
  who: string,
  shapes: ReadonlyMap<string, number[]>,
  weights: ReadonlyMap<string, HostTensor>,
): Map<string, Tensor> {
  const expected = new Map([...shapes].filter(([k]) => !k.endsWith('resample_filter')));
  const missing = [...expected.keys()].filter((k) => !weights.has(k));
  if (missing.length) throw new Error(`${who}: missing weights: ${list(missing)}`);
  const extra = [...weights.keys()].filter((k) => !expected.has(k) && !k.endsWith('resample_filter'));
  if (extra.length) throw new Error(`${who}: unexpected weights: ${list(extra)}`);
  const params = new Map<string, Tensor>();
  try {
    for (const [name, shape] of expected) {
      const h = weights.get(name)!;
      if (h.shape.length !== shape.length || h.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`${who}: ${name} has shape [${h.shape.join(', ')}], expected [${shape.join(', ')}] for this config`);
      }
      const t = rt.keep(fromHost(rt, h));
      t.name = name;
      params.set(name, t);
    }
  } catch (err) {
    for (const t of params.values()) t.dispose();
    throw err;
  }
  return params;
}
