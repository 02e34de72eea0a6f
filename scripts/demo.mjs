// The stylegpu demo. For now: which WebGPU adapter this machine gives, and a few handwritten
// WGSL kernels run on it, each checked against the same computation on the CPU.
// It grows into the generator demo as the models land.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRuntime, describeAdapter, matmul, mean, readSafetensors, square, sub, tanh, toFloat32 } from '@stylegpu/kernels';
import { Generator, randomStateRandn } from '@stylegpu/stylegan';

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

const rt = await createRuntime();
const { adapter, limits, features } = rt.gpu;
console.log(`adapter      ${describeAdapter(adapter)}`);
console.log(`features     ${[...features].sort().join(', ') || '(none)'}`);
console.log(`limits       ${limits.maxComputeInvocationsPerWorkgroup} invocations/workgroup, ` +
  `${limits.maxStorageBufferBindingSize / 2 ** 20} MiB per storage binding, ` +
  `${limits.maxComputeWorkgroupStorageSize / 1024} KiB workgroup memory`);

const r = rng(42);
const [M, K, N] = [193, 147, 211]; // sizes that divide no tile
const a = Float32Array.from({ length: M * K }, r);
const b = Float32Array.from({ length: K * N }, r);

const t0 = performance.now();
const [c, loss] = rt.tidy(() => {
  const A = rt.tensor(a, [M, K]);
  const B = rt.tensor(b, [K, N]);
  const C = tanh(matmul(A, B));
  return [C, mean(square(sub(C, rt.tensor([0.25], [1]))))];
});
const [cGpu, lossGpu] = [await c.read(), await loss.item()];
const ms = performance.now() - t0;

// The same on the CPU, in float64.
let maxErr = 0;
let lossCpu = 0;
for (let i = 0; i < M; i++) {
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
    const y = Math.tanh(s);
    maxErr = Math.max(maxErr, Math.abs(y - cGpu[i * N + j]));
    lossCpu += (y - 0.25) ** 2 / (M * N);
  }
}
const ok = maxErr < 1e-5 && Math.abs(lossGpu - lossCpu) < 1e-5 * Math.abs(lossCpu);
console.log(`kernels      tanh(A·B) for A ${M}×${K}, B ${K}×${N}, then mean((C − 0.25)²): ${ms.toFixed(0)} ms with compilation`);
console.log(`check        max |GPU − CPU float64| = ${maxErr.toExponential(2)}, loss ${lossGpu.toFixed(7)} vs ${lossCpu.toFixed(7)}: ${ok ? 'OK' : 'MISMATCH'}`);
c.dispose();
loss.dispose();

// A StyleGAN2 generator from an NVIDIA network pickle (a tiny 16-px one shipped as a test fixture),
// seed 0 drawn as NVIDIA's generate.py draws it, against the independent PyTorch reference's image.
const fixtures = fileURLToPath(new URL('../packages/stylegan/fixtures/', import.meta.url));
const G = await Generator.load(rt, `${fixtures}g16_nvidia.pkl`);
const expected = readSafetensors(readFileSync(`${fixtures}expected/g16.safetensors`)).tensors;
const img = rt.noGrad(() => rt.tidy(() => G.forward(rt.tensor(Float32Array.from(randomStateRandn(0, G.config.zDim)), [1, G.config.zDim]))));
const got = await img.read();
const want = toFloat32(expected.get('seed0.img.psi1.const'));
let gErr = 0;
let gScale = 0;
for (let i = 0; i < want.length; i++) {
  gErr = Math.max(gErr, Math.abs(got[i] - want[i]));
  gScale = Math.max(gScale, Math.abs(want[i]));
}
const gOk = gErr / gScale < 1e-5;
console.log(`generator    StyleGAN2 ${G.config.imgResolution} px from an NVIDIA .pkl, seed 0 (NumPy RandomState z), ${G.numWs} ws`);
console.log(`check        vs the PyTorch reference image: max relative error ${(gErr / gScale).toExponential(2)}: ${gOk ? 'OK' : 'MISMATCH'}`);
img.dispose();
G.dispose();
rt.destroy();
process.exit(ok && gOk ? 0 : 1);
