/**
 * `embedding(ids, table)`: row lookup, as `torch.nn.functional.embedding` (CLIP's
 * `token_embedding`, clip/model.py): ids i32 [...], table [V, D] → [..., D].
 *
 * Ids are not checked against V: that would need a readback. An id outside [0, V) reads a row
 * of zeros (the kernel guards the index) and receives no gradient; torch would raise instead.
 *
 * Backward: dtable[v] = Σ_{n: ids[n] = v} g[n], deterministic and without atomics (WGSL has no
 * float atomics). A first pass links equal ids: for each position, whether it is the first with
 * its id and the next position with the same id (O(N²) compares, no D factor). A second pass
 * gives each (first position, column) pair one invocation that walks its chain, so every table
 * row is written by exactly one invocation per column: O(N·D) adds in total.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { zeros } from './creation.js';

const WG = 64;
const GATHER_U = uniformStruct({ n: 'u32', V: 'u32', D: 'u32' });
const LINK_U = uniformStruct({ N: 'u32' });
const ACCUMULATE_U = uniformStruct({ n: 'u32', N: 'u32', V: 'u32', D: 'u32' });

const gatherKernel = kernel('embedding', 'gather', () => `
${bindings([['ids', 'i32'], ['table', 'f32']], [['out', 'f32']], GATHER_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let id = ids[idx / u.D];
  out[idx] = select(0.0, table[u32(id) * u.D + idx % u.D], id >= 0 && u32(id) < u.V);`)}`);

/** links[n] = next position with the same id (N if none); links[N + n] = 1 if n is the first. */
const linkKernel = kernel('embedding', 'link', () => `
${bindings([['ids', 'i32']], [['links', 'u32']], LINK_U.wgsl)}
${flatMain(WG, `  if (idx >= u.N) { return; }
  let id = ids[idx];
  var first = 1u;
  for (var m = 0u; m < idx; m++) { if (ids[m] == id) { first = 0u; break; } }
  var next = u.N;
  for (var m = idx + 1u; m < u.N; m++) { if (ids[m] == id) { next = m; break; } }
  links[idx] = next;
  links[u.N + idx] = first;`)}`);

const accumulateKernel = kernel('embedding', 'accumulate', () => `
${bindings([['ids', 'i32'], ['links', 'u32'], ['G', 'f32']], [['dtable', 'f32']], ACCUMULATE_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let pos = idx / u.D;
  let c = idx % u.D;
  let id = ids[pos];
  if (links[u.N + pos] == 0u || id < 0 || u32(id) >= u.V) { return; }
  var acc = 0.0;
  for (var m = pos; m < u.N; m = links[m]) { acc += G[m * u.D + c]; }
  dtable[u32(id) * u.D + c] = acc;`)}`);

/** out[..., :] = table[ids[...], :]; out-of-range ids give zero rows. Differentiable in the table. */
export function embedding(ids: Tensor, table: Tensor): Tensor {
  const shapes = `ids ${formatShape(ids.shape)} ${ids.dtype}, table ${formatShape(table.shape)} ${table.dtype}`;
  if (ids.dtype !== 'i32') throw new Error(`embedding: ids must be i32 (${shapes})`);
  if (table.dtype !== 'f32' || table.rank !== 2) throw new Error(`embedding: table must be an f32 [V, D] tensor (${shapes})`);
  ids.assertLive('embedding');
  table.assertLive('embedding');
  const rt = table.rt;
  if (ids.rt !== rt) throw new Error(`embedding: ids and table belong to different runtimes`);
  const [V, D] = table.shape;
  const N = ids.size;
  const out = rt.empty([...ids.shape, D], 'f32', 'embedding');
  rt.dispatch(gatherKernel, { read: [ids, table], write: [out], uniforms: GATHER_U.pack({ n: out.size, V, D }), workgroups: Math.ceil(out.size / WG) });
  return attach(out, 'embedding', [table], (g) => {
    const dtable = zeros(rt, table.shape);
    if (N === 0 || D === 0) return [dtable];
    const links = rt.empty([2 * N], 'u32', 'embedding backward');
    rt.dispatch(linkKernel, { read: [ids], write: [links], uniforms: LINK_U.pack({ N }), workgroups: Math.ceil(N / WG) });
    rt.dispatch(accumulateKernel, { read: [ids, links, g], write: [dtable], uniforms: ACCUMULATE_U.pack({ n: N * D, N, V, D }), workgroups: Math.ceil((N * D) / WG) });
    links.dispose();
    return [dtable];
  });
}
