/**
 * Shape checks shared by the CLIP losses. Every loss validates its inputs before it dispatches
 * anything, and its errors name the loss and the shapes it was given.
 */
import { formatShape, type Tensor } from '@stylegpu/kernels';

/** Throws unless `t` is a live f32 matrix [rows, D]; returns [rows, D]. */
export function checkEmbeddings(op: string, what: string, t: Tensor, shapes: string): [number, number] {
  t.assertLive(op);
  if (t.dtype !== 'f32') throw new Error(`${op}: ${what} must be f32, got ${t.dtype} (${shapes})`);
  if (t.rank !== 2 || t.shape[0] === 0 || t.shape[1] === 0) {
    throw new Error(`${op}: ${what} must be a non-empty [N, D] matrix of embeddings, got ${formatShape(t.shape)} (${shapes})`);
  }
  return [t.shape[0], t.shape[1]];
}

/** "name [a, b], name [c, d]" for error messages. */
export function describe(named: Record<string, Tensor>): string {
  return Object.entries(named)
    .map(([k, t]) => `${k} ${formatShape(t.shape)}`)
    .join(', ');
}

/** Throws unless every tensor belongs to the same runtime. */
export function checkSameRuntime(op: string, ts: readonly Tensor[], shapes: string): void {
  for (const t of ts) if (t.rt !== ts[0].rt) throw new Error(`${op}: inputs belong to different runtimes (${shapes})`);
}
