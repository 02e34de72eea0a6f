/**
 * Bad inputs give an Error that names the op and the tensors or shapes involved, thrown before
 * anything is allocated or dispatched (checked by spying on the pool and on `dispatch`).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as K from '../src/index.node.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);

/** Runs `fn` expecting it to throw `pattern` without creating a tensor, a buffer or a dispatch. */
function expectCleanThrow(rt: K.Runtime, fn: () => unknown, pattern: RegExp): void {
  const live = rt.liveTensors;
  const pool = rt.pool.getStats();
  const dispatch = vi.spyOn(rt, 'dispatch');
  try {
    expect(fn).toThrow(pattern);
    expect(dispatch, `${pattern}: nothing dispatched`).not.toHaveBeenCalled();
  } finally {
    dispatch.mockRestore();
  }
  expect(rt.liveTensors, `${pattern}: no tensor left behind`).toBe(live);
  expect(rt.pool.getStats().buffersInUse, `${pattern}: no buffer acquired`).toBe(pool.buffersInUse);
  expect(rt.pool.getStats().created, `${pattern}: no buffer created`).toBe(pool.created);
}

describe('use after dispose', () => {
  it('every op names itself and the disposed tensor', async () => {
    const rt = await testRuntime();
    const x = rt.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    x.name = 'features';
    const w = rt.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    x.dispose();
    const gone = (op: string) => new RegExp(`^${op}: tensor #${x.id} \\[2, 3\\] \\(features\\) was used after dispose\\(\\)`);
    expectCleanThrow(rt, () => K.tanh(x), gone('tanh'));
    expectCleanThrow(rt, () => K.add(w, x), gone('add'));
    expectCleanThrow(rt, () => K.matmul(x, w, { transB: true }), gone('matmul'));
    expectCleanThrow(rt, () => K.linear(w, x), gone('matmul'));
    expectCleanThrow(rt, () => K.sum(x, 1), gone('sum'));
    expectCleanThrow(rt, () => K.max(x), gone('max'));
    expectCleanThrow(rt, () => K.reshape(x, [3, 2]), gone('reshape'));
    expectCleanThrow(rt, () => K.permute(x, [1, 0]), gone('permute'));
    expectCleanThrow(rt, () => K.transpose(x), gone('permute'));
    expectCleanThrow(rt, () => K.expand(x, [4, 2, 3]), gone('expand'));
    expectCleanThrow(rt, () => K.slice(x, [[0, 1]]), gone('slice'));
    expectCleanThrow(rt, () => K.concat([w, x], 0), gone('concat'));
    expectCleanThrow(rt, () => K.backward(x), gone('backward'));
    await expect(x.read()).rejects.toThrow(gone('read'));
    w.dispose();
  });

  it('backward through a graph whose intermediate was disposed (a closed tidy scope) names the op and the tensor', async () => {
    const rt = await testRuntime();
    const p = rt.parameter([1, 2, 3], [3], 'p');
    // The square is owned by the inner scope, so it is gone when backward runs; sum's backward
    // would not read it, and without the check p would silently get no gradient.
    const loss = rt.tidy(() => K.sum(K.square(p)));
    expectCleanThrow(rt, () => K.backward(loss), /^backward: input 0 of sum, Tensor#\d+ \[3\], was disposed before backward/);
    expect(p.grad).toBeNull();
    loss.dispose();
    p.dispose();
  });
});

describe('tensors over the storage-binding limit', () => {
  it('throw naming the op, the shape and the limit, before allocating or dispatching', async () => {
    const rt = await testRuntime();
    const limit = rt.gpu.limits.maxStorageBufferBindingSize;
    const x = rt.tensor([1, 2], [2, 1]);
    const over = (op: string, shape: string) => new RegExp(`^${op}: a f32 tensor of shape \\[${shape}\\] needs \\d+ bytes, over this adapter's maxStorageBufferBindingSize of ${limit} bytes`);
    const rows = Math.ceil(limit / 4 / 2) + 1; // rows × 2 floats: just over the limit
    expectCleanThrow(rt, () => K.zeros(rt, [rows, 2]), over('full', `${rows}, 2`));
    expectCleanThrow(rt, () => rt.empty([rows, 2]), over('empty', `${rows}, 2`));
    expectCleanThrow(rt, () => K.expand(x, [rows, 2, 1]), over('expand', `${rows}, 2, 1`));
    const n = Math.ceil(Math.sqrt(limit / 4)) + 1;
    const column = rt.empty([n, 1]);
    const row = rt.empty([1, n]);
    expectCleanThrow(rt, () => K.matmul(column, row), over('matmul', `${n}, ${n}`));
    for (const t of [x, column, row]) t.dispose();
  });
});

describe('dtype mismatch', () => {
  it('an i32 tensor into an f32 op throws naming the op, the dtype and the shape', async () => {
    const rt = await testRuntime();
    const ints = rt.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'i32');
    const floats = rt.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const wrong = (op: string) => new RegExp(`^${op}: expected (an )?f32 (or f16 )?tensors?, got i32 \\[2, 3\\]`);
    expectCleanThrow(rt, () => K.exp(ints), wrong('exp'));
    expectCleanThrow(rt, () => K.mul(floats, ints), wrong('mul'));
    expectCleanThrow(rt, () => K.matmul(ints, floats, { transB: true }), wrong('matmul'));
    expectCleanThrow(rt, () => K.linear(floats, ints), wrong('matmul'));
    expectCleanThrow(rt, () => K.sum(ints), wrong('sum'));
    expectCleanThrow(rt, () => K.mean(ints, 0), wrong('sum'));
    expectCleanThrow(rt, () => K.concat([floats, ints], 0), /^concat: dtypes differ: f32 \[2, 3\], i32 \[2, 3\]/);
    expectCleanThrow(rt, () => new K.Adam([ints]), /^Adam: parameter Tensor#\d+\(\[2, 3\], i32\) must be f32/);
    ints.dispose();
    floats.dispose();
  });
});

describe('scopes and autograd misuse', () => {
  it('tidy returning a Promise throws and points to tidyAsync', async () => {
    const rt = await testRuntime();
    expect(() => rt.tidy(() => Promise.resolve(1))).toThrow(/^tidy: the function returned a Promise; use tidyAsync/);
    // Nothing was left open: the next scope still disposes what it made.
    const live = rt.liveTensors;
    rt.tidy(() => {
      K.zeros(rt, [3]);
    });
    expect(rt.liveTensors).toBe(live);
  });

  it('backward on a non-scalar without a gradient, on a tensor without grad, with a mismatched gradient', async () => {
    const rt = await testRuntime();
    const p = rt.parameter([1, 2, 3, 4, 5, 6], [2, 3]);
    const c = rt.tensor([1, 2, 3]);
    rt.tidy(() => {
      const y = K.square(p);
      expectCleanThrow(rt, () => K.backward(y), /^backward: root has shape \[2, 3\]; pass a gradient of that shape or reduce it to a scalar/);
      expectCleanThrow(rt, () => K.backward(y, c), /^backward: gradient shape \[3\] does not match root \[2, 3\]/);
      const s = K.sum(K.exp(c));
      expectCleanThrow(rt, () => K.backward(s), /^backward: Tensor#\d+\(\[\], f32\) does not require grad/);
      const frozen = rt.noGrad(() => K.sum(K.square(p)));
      expectCleanThrow(rt, () => K.backward(frozen), /^backward: .* does not require grad .*noGrad/);
    });
    expect(p.grad).toBeNull();
    p.dispose();
    c.dispose();
  });
});

describe('out-of-range axes and bad options', () => {
  it('throw naming the op, the axis and the rank', async () => {
    const rt = await testRuntime();
    const x = rt.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expectCleanThrow(rt, () => K.sum(x, 2), /^sum: axis 2 is out of range for rank 2/);
    expectCleanThrow(rt, () => K.mean(x, [0, -3]), /^mean: axis -3 is out of range for rank 2/);
    expectCleanThrow(rt, () => K.max(x, 1.5), /^max: axis 1.5 is out of range for rank 2/);
    expectCleanThrow(rt, () => K.transpose(x, 0, 2), /^transpose: axis 2 is out of range for rank 2/);
    expectCleanThrow(rt, () => K.permute(x, [0, 0]), /^permute: \[0, 0\] is not a permutation of 2 axes/);
    expectCleanThrow(rt, () => K.permute(x, [1, 0, 2]), /^permute: axis 2 is out of range for rank 2/);
    expectCleanThrow(rt, () => K.concat([x, x], 2), /^concat: axis 2 is out of range for rank 2/);
    expectCleanThrow(rt, () => K.stack([x, x], 3), /^stack: axis 3 is out of range for rank 3/);
    expectCleanThrow(rt, () => K.slice(x, [null, [1, 4]]), /^slice: range \[1, 4\) is out of bounds for axis 1 of \[2, 3\]/);
    expectCleanThrow(rt, () => K.reshape(x, [4, -1]), /^reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4, -1\]/);
    const y = rt.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    expectCleanThrow(rt, () => K.add(x, y), /^add: shapes \[2, 3\] and \[3, 2\] do not broadcast/);
    expectCleanThrow(rt, () => K.matmul(x, x), /^matmul: inner dimensions differ in \[2, 3\] × \[2, 3\] \(3 vs 2\)/);
    x.dispose();
    y.dispose();
  });
});

describe('tensors from two runtimes', () => {
  it('mixing them throws naming the op, before any dispatch', async () => {
    const rt = await testRuntime();
    const other = await K.createRuntime();
    try {
      const a = rt.tensor([1, 2, 3, 4], [2, 2]);
      const b = other.tensor([1, 2, 3, 4], [2, 2]);
      const foreign = /different runtime/;
      expectCleanThrow(rt, () => K.add(a, b), /^add: /);
      expectCleanThrow(rt, () => K.matmul(a, b), /^matmul: Tensor#\d+\(\[2, 2\], f32\) belongs to a different runtime/);
      expectCleanThrow(rt, () => K.linear(a, b), foreign);
      expectCleanThrow(rt, () => K.concat([a, b], 0), /^concat: Tensor#\d+\(\[2, 2\], f32\) belongs to a different runtime/);
      const p = rt.parameter([1, 2, 3, 4], [2, 2]);
      const q = other.parameter([1, 2], [2]);
      expectCleanThrow(rt, () => new K.Adam([p, q]), /^Adam: .* belongs to a different runtime/);
      const loss = rt.tidy(() => rt.keep(K.square(p)));
      expectCleanThrow(rt, () => K.backward(loss, b), /^backward: the gradient Tensor#\d+\(\[2, 2\], f32\) belongs to a different runtime/);
      await expect(rt.read(b)).rejects.toThrow(/^read: Tensor#\d+\(\[2, 2\], f32\) belongs to a different runtime/);
      for (const t of [a, p, loss]) t.dispose();
    } finally {
      other.destroy();
    }
  });
});
