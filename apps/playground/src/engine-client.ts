/** The page's side of the engine worker: one promise per request, progress to a callback. */
import type { Request, RequestMessage, ResponseMessage, ResultOf } from './protocol.js';

export type ProgressListener = (done: number, total: number, note: string) => void;

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: ProgressListener }>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<ResponseMessage>) => {
      const m = event.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.kind === 'progress') p.progress?.(m.done, m.total, m.note);
      else {
        this.pending.delete(m.id);
        if (m.kind === 'result') p.resolve(m.result);
        else p.reject(new Error(m.message));
      }
    };
    // A worker that fails to start (a bundling or syntax problem) fails every request, with the reason.
    worker.onerror = (event: ErrorEvent) => {
      const error = new Error(`the engine worker failed: ${event.message || 'it could not be started'}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
  }

  request<K extends Request['kind']>(request: Extract<Request, { kind: K }>, progress?: ProgressListener, transfer: Transferable[] = []): Promise<ResultOf[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      this.worker.postMessage({ id, ...request } as RequestMessage, transfer);
    });
  }
}
