/**
 * WebGPU errors become exceptions naming the op: a shader that does not compile (with the line and
 * its text), a pipeline WebGPU refuses, bindings that do not match the WGSL, and, in debug mode,
 * any dispatch WebGPU rejects. After one, the runtime keeps working.
 *
 * The broken kernels are written here on purpose; each key is new, so the runtime compiles it.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import * as K from '../src/index.node.js';
import { bindings, flatMain, kernel, type Kernel } from '../src/kernel.js';
import { makeRng, randn, SEED } from '../src/testing/index.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);

/** Errors WebGPU could not attribute go to the console (device.ts); none of these cases may leak one. */
let consoleError: MockInstance;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
});
afterEach(() => {
  const calls = consoleError.mock.calls.map((c) => String(c[0]));
  consoleError.mockRestore();
  expect(calls, 'no uncaptured WebGPU error').toEqual([]);
});

let unique = 0;
/** A kernel `out[i] = body(a[i])` over n elements, with its WGSL lines kept for the assertions. */
function elementwise(op: string, body: string, extra = ''): Kernel & { lines: string[] } {
  const code = [
    bindings([['a', 'f32']], [['out', 'f32']], 'n: u32'),
    extra,
    flatMain(64, `  if (idx >= u.n) { return; }\n  let x = a[idx];\n${body}`),
  ].join('\n');
  // A fresh key per kernel, so every test compiles its own pipeline.
  return { ...kernel(op, `${unique++}-${SEED}`, () => code), lines: code.split('\n') };
}

function run(rt: K.Runtime, k: Kernel, a: K.Tensor): K.Tensor {
  const out = rt.empty(a.shape, 'f32', k.op);
  rt.dispatch(k, { read: [a], write: [out], uniforms: [a.size], workgroups: Math.ceil(a.size / 64) });
  return out;
}

/** Checks that a valid op still computes the right thing on this runtime (it is not poisoned). */
async function expectWorking(rt: K.Runtime): Promise<void> {
  const rng = makeRng(SEED + 1);
  const n = 1000 + Math.floor(rng() * 100);
  const x = Float32Array.from(randn(rng, n));
  const y = Float32Array.from(randn(rng, n));
  const sum = rt.tidy(() => K.add(rt.tensor(x), rt.tensor(y)));
  const got = (await sum.read()) as Float32Array;
  sum.dispose();
  for (let i = 0; i < n; i++) expect(got[i], `add[${i}] (seed ${SEED})`).toBeCloseTo(x[i] + y[i], 5);
  const doubled = elementwise('doubled', '  out[idx] = 2.0 * x;');
  const d = rt.tidy(() => run(rt, doubled, rt.tensor(x)));
  const dv = (await d.read()) as Float32Array;
  d.dispose();
  for (let i = 0; i < n; i++) expect(dv[i], `doubled[${i}]`).toBe(2 * x[i]);
}

/** The error an awaited promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<K.KernelError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, 'rejected').toBeInstanceOf(K.KernelError);
  return e as K.KernelError;
}

describe('shaders that do not compile', () => {
  it('a syntax error names the op, the line number and the line, with a caret', async () => {
    const rt = await testRuntime();
    const bad = '  out[idx] = x * 2.0 +;';
    const k = elementwise('brokenSyntax', bad);
    const line = k.lines.indexOf(bad) + 1;
    const x = rt.tensor(new Float32Array(100).fill(1));
    rt.tidy(() => void run(rt, k, x));
    const e = await rejection(rt.sync());
    expect(e.op).toBe('brokenSyntax');
    expect(e.kind).toBe('compile');
    expect(e.message).toMatch(/^brokenSyntax: the WGSL of kernel 'brokenSyntax\|[^']+' does not compile/);
    expect(e.message).toContain(`line ${line}:`);
    const shown = e.message.split('\n');
    const at = shown.findIndex((l) => l.endsWith(`| ${bad}`));
    expect(at, `the bad line is quoted in:\n${e.message}`).toBeGreaterThan(0);
    expect(shown[at].trim().startsWith(`${line} |`)).toBe(true);
    // The caret sits under the column WebGPU named, which is inside the bad line.
    const caret = shown[at + 1];
    const col = caret.indexOf('^') - caret.indexOf('|') - 2;
    expect(col).toBeGreaterThanOrEqual(0);
    expect(col).toBeLessThan(bad.length);
    expect(e.message).toContain(`${line}:${col + 1}:`);

    // Known broken: using the kernel again throws at once, before recording anything.
    const out = rt.empty([100]);
    expect(() => rt.dispatch(k, { read: [x], write: [out], uniforms: [100], workgroups: 2 })).toThrow(/^brokenSyntax: .*does not compile/);
    out.dispose();
    x.dispose();
    await expectWorking(rt);
  });

  it('a type error rejects the read of its output, naming the op and the line', async () => {
    const rt = await testRuntime();
    const bad = '  let wrong: f32 = idx;';
    const k = elementwise('brokenTypes', `${bad}\n  out[idx] = wrong + x;`);
    const line = k.lines.indexOf(bad) + 1;
    const out = rt.tidy(() => run(rt, k, rt.tensor(new Float32Array(70).fill(3))));
    const e = await rejection(out.read());
    out.dispose();
    expect(e.op).toBe('brokenTypes');
    expect(e.kind).toBe('compile');
    expect(e.message).toContain(`line ${line}:`);
    expect(e.message).toContain(`${line} | ${bad}`);
    expect(e.message).toMatch(/f32.*u32|u32.*f32/);
    await expectWorking(rt);
  });

  it('a line of an f16 kernel is counted in the WGSL as compiled, with its `enable f16;`', async (ctx) => {
    const rt = await testRuntime();
    if (!rt.hasF16) ctx.skip(); // the adapter has no shader-f16; nothing to check
    const bad = '  let h: f16 = x;';
    const base = elementwise('brokenHalf', `${bad}\n  out[idx] = f32(h);`);
    const k = { ...base, f16: true };
    const out = rt.tidy(() => run(rt, k, rt.tensor(new Float32Array(8))));
    const e = await rejection(out.read());
    out.dispose();
    expect(e.message).toContain(`line ${base.lines.indexOf(bad) + 2}:`);
    expect(e.message).toContain(`| ${bad}`);
  });
});

describe('pipelines and bindings WebGPU refuses', () => {
  it('workgroup memory over the device limit fails pipeline creation, naming the op', async () => {
    const rt = await testRuntime();
    const floats = rt.gpu.limits.maxComputeWorkgroupStorageSize / 4 + 64;
    const k = elementwise('hugeTile', `  tile[lid] = x;\n  out[idx] = tile[lid];`, `var<workgroup> tile: array<f32, ${floats}>;`);
    rt.tidy(() => void run(rt, k, rt.tensor(new Float32Array(64))));
    const e = await rejection(rt.sync());
    expect(e.op).toBe('hugeTile');
    expect(e.kind).toBe('pipeline');
    expect(e.message).toMatch(/^hugeTile: kernel 'hugeTile\|[^']+': creating the compute pipeline failed: .*workgroup/is);
    await expectWorking(rt);
  });

  it('a dispatch whose buffers do not line up with the bindings of the WGSL names the op', async () => {
    const rt = await testRuntime();
    const k = elementwise('missingInput', '  out[idx] = x;');
    const out = rt.empty([64], 'f32', 'missingInput');
    rt.dispatch(k, { write: [out], uniforms: [64], workgroups: 1 }); // no `read`: a is missing
    const e = await rejection(out.read());
    out.dispose();
    expect(e.op).toBe('missingInput');
    expect(e.kind).toBe('bindings');
    expect(e.message).toMatch(/^missingInput: kernel 'missingInput\|[^']+': the buffers it was dispatched with do not match the bindings its WGSL declares: /);
    expect(e.message).toMatch(/match/i);
    expect(e.message, 'consequences of the bad bind group are not listed').not.toMatch(/more WebGPU error/);
    await expectWorking(rt);
  });

  it('a buffer smaller than a fixed-size binding names the op', async () => {
    const rt = await testRuntime();
    const k = fixedSize('tooSmall');
    const x = rt.tensor(new Float32Array(4));
    const out = rt.tidy(() => run(rt, k, x));
    const e = await rejection(out.read());
    out.dispose();
    x.dispose();
    expect(e.op).toBe('tooSmall');
    expect(e.kind).toBe('bindings');
    expect(e.message).toMatch(/binding size|minBindingSize|minimum/i);
    await expectWorking(rt);
  });

  it('writing a buffer that is also bound as an input fails its batch, naming the op', async () => {
    const rt = await testRuntime();
    const k = elementwise('aliased', '  out[idx] = x + 1.0;');
    const x = rt.tensor(new Float32Array(64));
    rt.dispatch(k, { read: [x], write: [x], uniforms: [64], workgroups: 1 });
    const e = await rejection(rt.sync());
    x.dispose();
    expect(e.op).toContain('aliased');
    expect(e.kind).toBe('batch');
    expect(e.message).toMatch(/none of that batch ran/);
    await expectWorking(rt);
  });
});

describe('the steady state', () => {
  it('checks a key once: later batches of known-good kernels open no error scope', async () => {
    const rt = await testRuntime();
    const rng = makeRng(SEED + 3);
    const x = rt.tensor(Float32Array.from(randn(rng, 300)));
    const step = () => rt.tidy(() => K.sum(K.mul(K.exp(K.tanh(x)), x)));
    const first = step();
    await first.read();
    first.dispose();
    const push = vi.spyOn(rt.device, 'pushErrorScope');
    try {
      for (let i = 0; i < 3; i++) {
        const y = step();
        await y.read();
        y.dispose();
      }
      expect(push).not.toHaveBeenCalled();
    } finally {
      push.mockRestore();
      x.dispose();
    }
  });
});

/** `out[i] = a[i]` over a fixed 64-element input binding (WebGPU then requires 256-byte buffers). */
function fixedSize(op: string): Kernel {
  const code = `@group(0) @binding(0) var<storage, read> a: array<f32, 64>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct Uniforms { n: u32 };
@group(0) @binding(2) var<uniform> u: Uniforms;
${flatMain(64, '  if (idx < u.n) { out[idx] = a[idx]; }')}`;
  return kernel(op, `${unique++}-${SEED}`, () => code);
}

describe('debug mode', () => {
  let rt: K.Runtime | null = null;
  afterAll(() => rt?.destroy());

  it('is on with createRuntime({ debug: true }) or STYLEGPU_DEBUG=1, and off by default', async () => {
    rt = await K.createRuntime({ debug: true });
    expect(rt.debug).toBe(true);
    expect((await testRuntime()).debug).toBe(process.env.STYLEGPU_DEBUG === '1');
    const before = process.env.STYLEGPU_DEBUG;
    process.env.STYLEGPU_DEBUG = '1';
    try {
      const gpu = await K.createDevice();
      expect(gpu.debug).toBe(true);
      gpu.device.destroy();
    } finally {
      if (before === undefined) delete process.env.STYLEGPU_DEBUG;
      else process.env.STYLEGPU_DEBUG = before;
    }
  });

  it('computes the same results', async () => {
    rt ??= await K.createRuntime({ debug: true });
    await expectWorking(rt);
    const rng = makeRng(SEED + 2);
    const [m, kk, n] = [5, 13, 7];
    const a = Float32Array.from(randn(rng, m * kk));
    const b = Float32Array.from(randn(rng, kk * n));
    const c = rt.tidy(() => K.matmul(rt!.tensor(a, [m, kk]), rt!.tensor(b, [kk, n])));
    const got = await c.read();
    c.dispose();
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < kk; t++) s += a[i * kk + t] * b[t * n + j];
        expect(got[i * n + j], `matmul[${i}, ${j}] (seed ${SEED})`).toBeCloseTo(s, 4);
      }
    }
  });

  it('names the op of a later dispatch WebGPU rejects (a buffer too small for its binding)', async () => {
    rt ??= await K.createRuntime({ debug: true });
    const k = fixedSize('laterTooSmall');
    // The first dispatch is valid, so the one-time checks of the key pass; the second is not.
    const ok = rt.tidy(() => run(rt!, k, rt!.tensor(new Float32Array(64).fill(5))));
    expect(Array.from(await ok.read())).toEqual(new Array(64).fill(5));
    ok.dispose();
    const done = rt.tidy(() => K.add(rt!.tensor([1, 2]), rt!.tensor([3, 4])));
    const bad = rt.tidy(() => run(rt!, k, rt!.tensor(new Float32Array(4))));
    const e = await rejection(bad.read());
    bad.dispose();
    expect(e.op).toBe('laterTooSmall');
    expect(e.kind).toBe('validation');
    expect(e.message).toMatch(/^laterTooSmall: kernel 'laterTooSmall\|[^']+': WebGPU reported a validation error/);
    // Work before it ran: debug mode submits each dispatch alone.
    expect(Array.from(await done.read())).toEqual([4, 6]);
    done.dispose();
    await expectWorking(rt);
  });

  it('names the op of a later dispatch that aliases a written buffer', async () => {
    rt ??= await K.createRuntime({ debug: true });
    const k = elementwise('laterAliased', '  out[idx] = x + 1.0;');
    const x = rt.tensor(new Float32Array(64));
    rt.tidy(() => void run(rt!, k, x)); // valid first use
    await rt.sync();
    rt.dispatch(k, { read: [x], write: [x], uniforms: [64], workgroups: 1 });
    // Thrown at the next sync point, or by the next dispatch once the error has arrived.
    const e = await rejection(rt.sync());
    x.dispose();
    expect(e.op).toBe('laterAliased');
    expect(e.kind).toBe('validation');
    expect(e.message).toMatch(/writable|usage/i);
    await expectWorking(rt);
  });
});
