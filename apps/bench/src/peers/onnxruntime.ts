/**
 * Peer: onnxruntime-node on the CPU (MLAS), two intra-op threads (this machine's two cores),
 * one-node MatMul / Conv models built in memory. Timed: `await session.run(feeds)`, which
 * includes allocating the output tensor (as every ORT call does).
 */
import { createRequire } from 'node:module';
import type { CaseResult } from '../harness.js';
import type { PeerWork } from '../suites/types.js';
import { peerInputs, type PeerTimingOptions, timePeer } from './common.js';
import { oneNodeModel } from './onnx-model.js';

export const ORT_RUNTIME = 'onnxruntime-cpu';

export async function runOrt(work: readonly PeerWork[], opts: PeerTimingOptions): Promise<{ results: CaseResult[]; version: string }> {
  const ort = await import('onnxruntime-node');
  const version = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  const results: CaseResult[] = [];
  for (const w of work) {
    const inp = peerInputs(w);
    const model =
      w.kind === 'matmul'
        ? oneNodeModel({
            opType: 'MatMul',
            inputs: [
              { name: 'A', shape: [w.M, w.K] },
              { name: 'B', shape: [w.K, w.N] },
            ],
            output: { name: 'C', shape: [w.M, w.N] },
          })
        : oneNodeModel({
            opType: 'Conv',
            inputs: [
              { name: 'A', shape: [w.N, w.C, w.H, w.W] },
              { name: 'B', shape: [w.O, w.C, w.k, w.k] },
            ],
            output: { name: 'C', shape: [w.N, w.O, w.H + 2 * w.pad - w.k + 1, w.W + 2 * w.pad - w.k + 1] },
            intsAttributes: { kernel_shape: [w.k, w.k], pads: [w.pad, w.pad, w.pad, w.pad], strides: [1, 1] },
          });
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
    const shapeA = w.kind === 'matmul' ? [w.M, w.K] : [w.N, w.C, w.H, w.W];
    const shapeB = w.kind === 'matmul' ? [w.K, w.N] : [w.O, w.C, w.k, w.k];
    const feeds = { A: new ort.Tensor('float32', inp.a, shapeA), B: new ort.Tensor('float32', inp.b, shapeB) };
    let out: Float32Array | null = null;
    const run = async () => {
      const r = await session.run(feeds);
      out = r.C.data as Float32Array;
    };
    results.push(await timePeer(ORT_RUNTIME, w, inp, run, async () => out!, opts));
    await session.release();
  }
  return { results, version };
}
