// The built package, as a user imports it (dist through the `exports` map), not the sources:
// bundling can drop code the sources keep (it once dropped autograd's wiring). Also its two
// testing entries: the pure one must not pull in vitest, the vitest one must share the library's modules.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import * as pkg from '@stylegpu/kernels';
import * as internals from '@stylegpu/kernels/internals';
import * as testing from '@stylegpu/kernels/testing';
import * as testingVitest from '@stylegpu/kernels/testing/vitest';

let rt: pkg.Runtime | null = null;
afterAll(() => {
  rt?.destroy();
  testingVitest.destroyTestRuntime();
});

const packageJsonPath = () => createRequire(import.meta.url).resolve('@stylegpu/kernels/package.json');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const packageJson = async (): Promise<any> => JSON.parse(await readFile(packageJsonPath(), 'utf8'));

/** Every file `entry` (a path in the package) reaches through relative imports, with its source. */
async function reachable(entry: string): Promise<Map<string, string>> {
  const dir = packageJsonPath().replace(/package\.json$/, '');
  const seen = new Map<string, string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    const src = await readFile(file, 'utf8');
    seen.set(file, src);
    for (const m of src.matchAll(/from\s*['"](\.\.?\/[^'"]+)['"]/g)) await visit(new URL(m[1], `file://${file}`).pathname);
  };
  await visit(dir + entry.replace(/^\.\//, ''));
  return seen;
}

describe('@stylegpu/kernels as installed', () => {
  it('trains a linear layer one step through the built entry', async () => {
    rt = await pkg.createRuntime();
    const w = rt.parameter(new Float32Array(12).fill(0.1), [3, 4], 'w');
    const loss = rt.tidy(() => {
      const x = rt!.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
      const l = pkg.mean(pkg.square(pkg.linear(x, w)));
      pkg.backward(l);
      return l;
    });
    // rows of x·wᵀ: 1.0 and 2.6 (three outputs each) → mean square (3·1 + 3·6.76) / 6
    expect(await loss.item()).toBeCloseTo(3.88, 5);
    // dL/dw[o, i] = (2/6) Σ_n y[n] x[n, i]
    const expected = [0, 1, 2, 3].map((i) => (2 / 6) * (1.0 * (i + 1) + 2.6 * (i + 5)));
    const g = await w.grad!.read();
    for (let o = 0; o < 3; o++) for (let i = 0; i < 4; i++) expect(g[o * 4 + i]).toBeCloseTo(expected[i], 4);
    expect(rt.liveTensors).toBe(3); // w, w.grad, loss
  });

  it('exposes the browser entry without the Node binding', async () => {
    const pkgJson = await packageJson();
    expect(pkgJson.exports['.'].browser).toMatch(/index\.browser\.js$/);
    const req = createRequire(import.meta.url);
    const browserEntry = async (name: string): Promise<string> => {
      const manifest = req.resolve(`${name}/package.json`);
      const json = JSON.parse(await readFile(manifest, 'utf8'));
      return manifest.replace(/package\.json$/, '') + json.exports['.'].browser.replace(/^\.\//, '');
    };
    const seen = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = await readFile(file, 'utf8');
      // Neither the Node WebGPU binding nor the Node-only image codecs (zlib, Buffer) reach a browser bundle.
      // The build drops `node:` prefixes, so bare imports are checked against what a browser can load;
      // @stylegpu/io is followed as a bundler would, into its browser entry.
      for (const m of src.matchAll(/from\s*['"]([^'"]+)['"]/g)) {
        if (m[1].startsWith('./')) await visit(new URL(m[1], `file://${file}`).pathname);
        else if (m[1] === '@stylegpu/io') await visit(await browserEntry(m[1]));
        else expect(['fflate'], `${file} imports '${m[1]}'`).toContain(m[1]);
      }
    };
    await visit(await browserEntry('@stylegpu/kernels'));
    expect([...seen].some((f) => f.includes('/io/dist/')), 'the browser entry reaches @stylegpu/io').toBe(true);
  });

  it('testing: the pure helpers load without vitest or a GPU', async () => {
    const pkgJson = await packageJson();
    // vitest is an optional peer, never a dependency users install with the library.
    expect(pkgJson.dependencies).not.toHaveProperty('vitest');
    expect(pkgJson.peerDependenciesMeta.vitest.optional).toBe(true);
    const files = await reachable(pkgJson.exports['./testing'].import);
    for (const [file, src] of files) expect(src, `${file} imports vitest or webgpu`).not.toMatch(/from\s*['"](vitest|webgpu)['"]/);
    // The seeded stream is mulberry32: its first draw from seed 1 is fixed.
    expect(testing.mulberry32(1)()).toBeCloseTo(0.6270739405881613, 15);
    expect(testing.relError([1, 2.5], [1, 2])).toBe(0.25);
    expect(testing.relError([1, NaN], [1, 2])).toBe(Infinity);
    expect(testing.TOLERANCE.forward).toBeLessThan(testing.TOLERANCE.backward);
  });

  it('testing/vitest: checkOp runs on the library\'s own runtime and catches a wrong reference', async () => {
    const trt = await testingVitest.testRuntime();
    // The subpath shares the library's modules (code splitting), so its runtime is the library's class.
    expect(trt).toBeInstanceOf(pkg.Runtime);
    const rng = testing.makeRng();
    const op = (ref: (x: number) => number): testingVitest.OpCase => ({
      label: 'square',
      inputs: [{ shape: [3, 5], data: testing.randn(rng, 15) }],
      shape: [3, 5],
      gpu: (_rt, [x]) => pkg.square(x),
      ref: ([x]) => x.map(ref),
    });
    await testingVitest.checkOp(op((v) => v * v));
    await expect(testingVitest.checkOp(op((v) => v * v + 1))).rejects.toThrow(/square forward: relative error/);
  });

  it('keeps internals and file formats off the public surface', () => {
    const names = Object.keys(pkg);
    expect(names.filter((n) => /Raw$|Variant$/.test(n))).toEqual([]);
    // File formats are @stylegpu/io's; the kernels export only the upload and read-back of its host tensors.
    for (const n of ['readSafetensors', 'readTorchCheckpoint', 'encodePng', 'hostTensor', 'writeFileAtomic']) expect(names).not.toContain(n);
    expect(typeof pkg.fromHost).toBe('function');
    expect(typeof pkg.toHost).toBe('function');
    for (const n of ['matmulRaw', 'softmaxBackwardRaw', 'matmulVariant', 'BufferPool', 'writeUniforms']) expect(typeof (internals as Record<string, unknown>)[n], n).not.toBe('undefined');
  });

  it('runs an internal launch on tensors of the public runtime (one Tensor class across the entries)', async () => {
    rt ??= await pkg.createRuntime();
    const c = rt.tidy(() => internals.matmulRaw(rt!.tensor([1, 2, 3, 4, 5, 6], [2, 3]), rt!.tensor([1, 0, 0, 1, 1, 1], [3, 2])));
    expect(c).toBeInstanceOf(pkg.Tensor);
    // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    expect(Array.from(await c.read())).toEqual([4, 5, 10, 11]);
    c.dispose();
  });
});

