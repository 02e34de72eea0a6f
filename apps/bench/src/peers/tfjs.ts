/**
 * Peer: @tensorflow/tfjs-backend-webgpu on the same Dawn adapter in Node.
 *
 * Timed: `tf.matMul` / `tf.conv2d` (NHWC, HWIO — tfjs's layouts; the transposes happen on the
 * host before timing) up to `queue.onSubmittedWorkDone()` after `backend.submitQueue()`:
 * the same "submitted work done" point as our runtime's `rt.sync()`, awaited the same way (through
 * `dawnWait`, so neither side's wait spins a core). The readback through
 * `data()` is excluded (it is used once, for the correctness check).
 */
import { dawnWait } from '@stylegpu/kernels';
import { create, globals } from 'webgpu';
import type { CaseResult } from '../harness.js';
import type { PeerWork } from '../suites/types.js';
import { oihwToHwio, peerInputs, type PeerTimingOptions, timePeer, toChannelsFirst, toChannelsLast } from './common.js';

export const TFJS_RUNTIME = 'tfjs-webgpu';

interface WebGpuBackendLike {
  device: GPUDevice;
  submitQueue(): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  adapterInfo?: { vendor?: string; architecture?: string };
}

export async function runTfjs(work: readonly PeerWork[], opts: PeerTimingOptions): Promise<{ results: CaseResult[]; version: string; note?: string }> {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) if (!(k in g)) g[k] = v;
  if (!(g.navigator as { gpu?: unknown } | undefined)?.gpu) {
    Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu: create([]) }, configurable: true, writable: true });
  }
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) return { results: [], version: tf.version_core, note: 'tfjs: the webgpu backend did not initialise' };
  await tf.ready();
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const sync = async () => {
    // As tfjs's own read path does: close the open pass, then submit the encoder.
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
    await dawnWait(backend.device.queue.onSubmittedWorkDone());
  };
  const results: CaseResult[] = [];
  for (const w of work) {
    const inp = peerInputs(w);
    let a: import('@tensorflow/tfjs-core').Tensor;
    let b: import('@tensorflow/tfjs-core').Tensor;
    let op: () => import('@tensorflow/tfjs-core').Tensor;
    if (w.kind === 'matmul') {
      a = tf.tensor2d(inp.a, [w.M, w.K]);
      b = tf.tensor2d(inp.b, [w.K, w.N]);
      op = () => tf.matMul(a as import('@tensorflow/tfjs-core').Tensor2D, b as import('@tensorflow/tfjs-core').Tensor2D);
    } else {
      if (2 * w.pad !== w.k - 1) throw new Error(`tfjs peer: only "same" convolutions, got k=${w.k} pad=${w.pad}`);
      a = tf.tensor4d(toChannelsLast(inp.a, w.N, w.C, w.H, w.W), [w.N, w.H, w.W, w.C]);
      b = tf.tensor4d(oihwToHwio(inp.b, w.O, w.C, w.k), [w.k, w.k, w.C, w.O]);
      op = () => tf.conv2d(a as import('@tensorflow/tfjs-core').Tensor4D, b as import('@tensorflow/tfjs-core').Tensor4D, 1, 'same');
    }
    let out: import('@tensorflow/tfjs-core').Tensor | null = null;
    const run = async () => {
      out?.dispose();
      out = op();
      await sync();
    };
    const readOut = async () => {
      const data = (await out!.data()) as Float32Array;
      return w.kind === 'matmul' ? data : toChannelsFirst(data, w.N, w.O, w.H, w.W);
    };
    results.push(await timePeer(TFJS_RUNTIME, w, inp, run, readOut, opts));
    (out as import('@tensorflow/tfjs-core').Tensor | null)?.dispose();
    a.dispose();
    b.dispose();
  }
  return { results, version: tf.version_core };
}
