/**
 * The engine worker: WebGPU work (loading, mapping, synthesis, discovery) runs here so the page's
 * UI thread only draws. Requests are handled one at a time, in order.
 */
import { createRuntime, describeAdapter, type Runtime } from '@stylegpu/kernels';
import { Engine } from './engine.js';
import { webGpuProblem } from './webgpu-support.js';
import { decodeImageInBrowser } from './image-decoding.js';
import type { Request, RequestMessage, ResponseMessage } from './protocol.js';

let engine: Engine | null = null;
let queue: Promise<void> = Promise.resolve();

const post = (m: ResponseMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

self.onmessage = (event: MessageEvent<RequestMessage>) => {
  const { id, ...request } = event.data;
  queue = queue.then(async () => {
    try {
      const result = await handle(request as Request, id);
      const transfer = result && typeof result === 'object' && 'pixels' in result ? [(result.pixels as Float32Array).buffer] : [];
      // (Inversion results are small; they are copied.)
      post({ id, kind: 'result', result }, transfer);
    } catch (e) {
      post({ id, kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
};

async function handle(request: Request, id: number): Promise<unknown> {
  if (request.kind === 'open') {
    if (engine) return { adapter: describeAdapter(engine.rt.gpu.adapter) };
    const missing = await webGpuProblem((self as unknown as { navigator?: { gpu?: GPU } }).navigator?.gpu);
    if (missing) throw new Error(missing);
    const rt: Runtime = await createRuntime();
    engine = new Engine(rt);
    return { adapter: describeAdapter(rt.gpu.adapter) };
  }
  if (!engine) throw new Error('the engine is not open: WebGPU failed to start');
  switch (request.kind) {
    case 'load':
      return engine.load(typeof request.source === 'string' ? request.source : new Uint8Array(request.source), request.label);
    case 'latents':
      return { count: await engine.setLatents(request.seeds, request.psi) };
    case 'discover':
      return engine.discover(request.method, request.components);
    case 'render':
      return engine.render(request.edits);
    case 'clip': {
      const s = request.source;
      return engine.loadClip(typeof s === 'string' ? s : { ...s, weights: new Uint8Array(s.weights), vocabulary: new Uint8Array(s.vocabulary) });
    }
    case 'domain':
      return engine.loadDomain(new Uint8Array(request.source), request.label);
    case 'style-direction':
      return { labels: engine.loadStyleDirection(new Uint8Array(request.source), request.label) };
    case 'clear-style-directions':
      engine.clearStyleDirections();
      return { labels: [] };
    case 'invert': {
      const image = await decodeImageInBrowser(new Uint8Array(request.source), request.label);
      return engine.invert(image, request.label, request.steps, (done, total, loss) => post({ id, kind: 'progress', done, total, note: `MSE ${loss.toFixed(4)}` }));
    }
    case 'export-domain':
      return { bytes: await engine.exportDomain() };
    case 'use-projection':
      return { count: engine.useProjection() };
    case 'adapt':
      return engine.adapt(request.options, (done, total, loss) => post({ id, kind: 'progress', done, total, note: `loss ${loss.toFixed(4)}` }));
  }
}
