/**
 * Runs `fn` with some generator parameters replaced by other tensors (base + offset, built in the
 * autograd graph), then puts the originals back. Parameterisations that offset weights (Affine+,
 * AffineLight+, morphing) use this instead of copying the generator: ops run eagerly, so the
 * graph keeps the tensors it used after the swap is undone.
 */
import type { Tensor } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';

export function withParamOverrides<T>(g: Generator, overrides: ReadonlyMap<string, Tensor>, fn: () => T): T {
  const saved = new Map<string, Tensor>();
  for (const [name, t] of overrides) {
    const orig = g.params.get(name);
    if (!orig) throw new Error(`withParamOverrides: the generator has no parameter '${name}'`);
    if (orig.shape.length !== t.shape.length || orig.shape.some((d, i) => d !== t.shape[i])) {
      throw new Error(`withParamOverrides: '${name}' is [${orig.shape.join(', ')}], the override [${t.shape.join(', ')}]`);
    }
    saved.set(name, orig);
  }
  try {
    for (const [name, t] of overrides) g.params.set(name, t);
    return fn();
  } finally {
    for (const [name, t] of saved) g.params.set(name, t);
  }
}
