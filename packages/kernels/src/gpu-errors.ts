/**
 * Turning WebGPU's asynchronous errors into exceptions that name the op.
 *
 * WebGPU reports a bad shader, pipeline, bind group or command buffer through error scopes whose
 * results arrive as promises (or, unscoped, as an 'uncapturederror' event), and a dispatch that
 * uses an invalid object is dropped with its whole command buffer. The runtime stays synchronous
 * while recording, so it scopes the calls that can fail, hands the popped scopes to an
 * `ErrorWatch`, and throws what the watch found at its next dispatch, read or sync.
 */

/** What was being done when WebGPU reported the error. */
export type KernelErrorKind = 'compile' | 'pipeline' | 'bindings' | 'batch' | 'validation' | 'memory';

/** A WebGPU error attributed to the op (and kernel specialisation) that caused it. */
export class KernelError extends Error {
  constructor(
    message: string,
    /** Op name, as in the kernel (`conv2d`, `matmul`, …) or the runtime call (`copy`, `read`). */
    readonly op: string,
    readonly kind: KernelErrorKind,
    /** The kernel's cache key, when a kernel was involved. */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'KernelError';
  }
}

/** Dawn appends "- While calling …" context lines; keep the message, drop trailing blank lines. */
function clean(message: string): string {
  return message.replace(/\s+$/, '');
}

/**
 * The error for a shader module that did not compile: each error message with its line number,
 * that line of the WGSL as compiled, and a caret under the column WebGPU pointed at.
 */
export function compileError(op: string, key: string, code: string, messages: readonly GPUCompilationMessage[]): KernelError {
  const lines = code.split('\n');
  const parts = messages.map((m) => {
    if (!(m.lineNum > 0)) return `  ${m.message}`;
    const text = lines[m.lineNum - 1] ?? '';
    const gutter = `${m.lineNum}`.padStart(5);
    const caret = m.linePos > 0 ? `\n${' '.repeat(5)} | ${' '.repeat(m.linePos - 1)}${'^'.repeat(Math.max(1, Math.min(m.length, text.length - m.linePos + 1)))}` : '';
    return `  line ${m.lineNum}${m.linePos > 0 ? `:${m.linePos}` : ''}: ${m.message}\n${gutter} | ${text}${caret}`;
  });
  return new KernelError(
    `${op}: the WGSL of kernel '${key}' does not compile (a bug in the op's shader generator):\n${parts.join('\n')}`,
    op,
    'compile',
    key,
  );
}

const DESCRIBE: Record<Exclude<KernelErrorKind, 'compile'>, string> = {
  pipeline: 'creating the compute pipeline failed',
  bindings: 'the buffers it was dispatched with do not match the bindings its WGSL declares',
  batch: 'WebGPU rejected the command buffer holding its dispatches, so none of that batch ran',
  validation: 'WebGPU reported a validation error, so its work did not run',
  memory: 'out of GPU memory',
};

/** The error for anything but a failed compile, from the message WebGPU gave. */
export function gpuError(op: string, kind: Exclude<KernelErrorKind, 'compile'>, message: string, key?: string): KernelError {
  const what = key ? `kernel '${key}': ` : '';
  return new KernelError(`${op}: ${what}${DESCRIBE[kind]}: ${clean(message)}`, op, kind, key);
}

/**
 * Pending error checks of one device. Checks are promises of an error or null; failures are kept
 * until someone takes them, the first (earliest recorded among the most specific kind) is thrown
 * and the rest are summarised in its message. Nothing here rejects, so an unread failure never
 * becomes an unhandled rejection.
 */
export class ErrorWatch {
  private pending = new Set<Promise<void>>();
  private failures: { error: KernelError; seq: number }[] = [];
  private seq = 0;

  /** Whether a failure has arrived and not been thrown yet. */
  get failed(): boolean {
    return this.failures.length > 0;
  }

  /** Watches one check; `onError` runs when it fails (e.g. to mark a cached pipeline broken). */
  watch(check: Promise<KernelError | null>, onError?: (e: KernelError) => void): void {
    const seq = this.seq++;
    const done: Promise<void> = check.then(
      (error) => {
        if (!error) return;
        this.failures.push({ error, seq });
        onError?.(error);
      },
      (err: unknown) => {
        this.failures.push({ error: new KernelError(`WebGPU error check failed: ${(err as Error)?.message ?? err}`, 'runtime', 'validation'), seq });
      },
    ).finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Throws the failures that have already arrived, if any, and forgets them. */
  throwIfFailed(): void {
    if (this.failures.length === 0) return;
    const all = this.failures.sort((a, b) => RANK[a.error.kind] - RANK[b.error.kind] || a.seq - b.seq).map((f) => f.error);
    this.failures = [];
    // Dawn reports each use of an invalid object as a further error; those add nothing.
    const [first, ...others] = all;
    const rest = others.filter((e) => !/invalid due to a previous error/i.test(e.message));
    if (rest.length === 0) throw first;
    const more = rest.map((e) => `  - ${e.message.split('\n')[0]}`).join('\n');
    throw new KernelError(`${first.message}\n(${rest.length} more WebGPU error${rest.length > 1 ? 's' : ''} followed:\n${more})`, first.op, first.kind, first.key);
  }

  /** Waits for every pending check, then throws as `throwIfFailed`. */
  async settle(waitFor: <T>(p: Promise<T>) => Promise<T>): Promise<void> {
    while (this.pending.size > 0) await waitFor(Promise.all([...this.pending]));
    this.throwIfFailed();
  }
}

/** Which failure to report when several arrive: the cause before its consequences. */
const RANK: Record<KernelErrorKind, number> = { compile: 0, pipeline: 1, bindings: 2, memory: 3, validation: 4, batch: 5 };

/** The error a popped scope holds (null or undefined when there was none). */
export function scopeMessage(e: GPUError | null | undefined): string | null {
  return e ? e.message || e.constructor.name : null;
}
