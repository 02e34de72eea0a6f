/**
 * Runtime: one device, its buffer pool, its pipeline cache, the command recorder, and the
 * bookkeeping for scopes and gradient recording.
 *
 * Recording: dispatches go into one open compute pass of one command encoder and are submitted
 * together, on a readback, on `flush()`, or every `maxDispatchesPerSubmit`. Uniforms go into one
 * CPU-side arena that is written to its GPU buffer just before submit (queue writes are ordered
 * with submits, so the next batch can reuse the same buffer).
 *
 * Errors: WebGPU reports a broken shader or an invalid dispatch asynchronously and drops the
 * work. Each kernel key's shader module and pipeline are created inside an error scope, its first
 * bind group too, and a batch holding a key's first dispatch is submitted inside one; these are
 * one-time costs per key. The results are thrown as a `KernelError` naming the op at the next
 * dispatch, read or sync (gpu-errors.ts). In debug mode every dispatch, copy and upload is
 * scoped and submitted alone, so later failures (a buffer too small for a fixed-size binding,
 * aliased writes) are caught too, at a cost per dispatch.
 */
import { decodeF16, encodeF16 } from './f16.js';
import { BufferPool } from './pool.js';
import { KernelProfile } from './profiler.js';
import type { GpuContext } from './device.js';
import { type Kernel, type Uniform, writeUniforms } from './kernel.js';
import { compileError, ErrorWatch, gpuError, type KernelError, scopeMessage } from './gpu-errors.js';
import { BYTES_PER_ELEMENT, type DType, formatShape, Storage, Tensor, shapeSize } from './tensor.js';

export { KernelError, type KernelErrorKind } from './gpu-errors.js';

const UNIFORM_ARENA_BYTES = 64 * 1024;

export interface DispatchArgs {
  /** Read-only inputs, bound first. */
  read?: readonly Tensor[];
  /** Outputs (read_write), bound after the inputs. */
  write: readonly Tensor[];
  uniforms?: readonly Uniform[];
  /** Workgroup count: a flat number (split over x/y if over the limit) or an explicit [x, y, z]. */
  workgroups: number | readonly [number, number, number];
}

interface CachedPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** Set once its first bind group has been created inside an error scope. */
  bindingsChecked: boolean;
  /** Set when WebGPU said the module or pipeline is invalid: later dispatches throw this at once. */
  broken: KernelError | null;
}

export class Runtime {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  /** Dispatches per submit; lavapipe likes long batches, real GPUs don't mind. */
  maxDispatchesPerSubmit = 96;
  /** Kernel-shape overrides by op name (e.g. `{ matmul: 'tiled' }`); by default ops choose per adapter. */
  variants: Record<string, string> = {};
  /** False inside `noGrad`: ops record no graph. */
  gradEnabled = true;
  /**
   * Debug mode (`createRuntime({ debug: true })` or STYLEGPU_DEBUG=1): every dispatch, copy,
   * upload and allocation runs inside validation and out-of-memory error scopes, each dispatch in
   * a submit of its own, and a failure is thrown at the next dispatch, read or sync naming the op
   * that caused it. Slow; for finding a bad dispatch.
   */
  debug: boolean;

  private pipelines = new Map<string, CachedPipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatchesInBatch = 0;
  private uniformCpu = new ArrayBuffer(UNIFORM_ARENA_BYTES);
  private uniformView = new DataView(this.uniformCpu);
  private uniformUsed = 0;
  private uniformGpu: GPUBuffer;
  private uniformAlign: number;
  private scopes: Set<Tensor>[] = [];
  private live = 0;
  private destroyed = false;
  private profile: KernelProfile | null = null;
  private errors = new ErrorWatch();
  /** Ops whose first dispatch is in the open batch: its submit is scoped and blamed on them. */
  private firstUses: string[] = [];
  /** Ops whose pipeline check has not arrived: batches are scoped until it does. */
  private unchecked = new Map<string, number>();

  constructor(readonly gpu: GpuContext) {
    this.device = gpu.device;
    this.debug = gpu.debug ?? false;
    this.pool = new BufferPool(this.device);
    this.uniformAlign = this.device.limits.minUniformBufferOffsetAlignment;
    this.uniformGpu = this.device.createBuffer({
      size: UNIFORM_ARENA_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** Whether the adapter is a CPU implementation (lavapipe, SwiftShader); kernels pick shapes by it. */
  get isSoftware(): boolean {
    const a = this.gpu.adapter;
    return a.isFallbackAdapter || a.architecture === 'software' || /llvmpipe|swiftshader|lavapipe/i.test(`${a.device} ${a.description} ${a.vendor}`);
  }

  /**
   * The smallest subgroup the device may run, or 0 without the `subgroups` feature. Kernels that
   * share registers across a subgroup with `subgroupShuffle` need it to be at least their lane count.
   */
  get subgroupMinSize(): number {
    return this.gpu.features.has('subgroups') ? this.gpu.adapter.subgroupMinSize : 0;
  }

  /**
   * The kernel shape an op runs: `variants[op]` when set, checked against the op's `choices`,
   * else `auto` (the op's rule for this adapter). `lanes` names the variants that share values
   * across a subgroup and the lanes they need: forcing one the device cannot run throws.
   */
  variant<V extends string>(op: string, choices: readonly V[], auto: V, lanes: Partial<Record<V, number>> = {}): V {
    const forced = this.variants[op];
    if (forced === undefined) return auto;
    if (!(choices as readonly string[]).includes(forced)) throw new Error(`${op}: unknown variant '${forced}' (${choices.join(', ')})`);
    const need = lanes[forced as V];
    if (need !== undefined && this.subgroupMinSize < need) throw new Error(`${op}: the '${forced}' variant needs subgroups of at least ${need} lanes`);
    return forced as V;
  }

  get hasF16(): boolean {
    return this.gpu.features.has('shader-f16');
  }

  // ---------------------------------------------------------------- tensors and memory

  /** An uninitialised tensor; ops fill it. */
  empty(shape: readonly number[], dtype: DType = 'f32', op = 'empty'): Tensor {
    this.checkAlive(op);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${formatShape(shape)}`);
    }
    if (dtype === 'f16' && !this.hasF16) {
      throw new Error(`${op}: f16 tensors need the adapter's shader-f16 feature, which this device does not have (shape ${formatShape(shape)})`);
    }
    const bytes = shapeSize(shape) * BYTES_PER_ELEMENT[dtype];
    const limit = this.gpu.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new Error(
        `${op}: a ${dtype} tensor of shape ${formatShape(shape)} needs ${bytes} bytes, over this adapter's ` +
          `maxStorageBufferBindingSize of ${limit} bytes; use a smaller batch or resolution`,
      );
    }
    // Bindings and copies move whole 4-byte words: an odd-length f16 tensor gets a padded buffer.
    const size = Math.max(Math.ceil(bytes / 4) * 4, 4);
    const buffer = this.debug ? this.scoped(op, () => this.pool.acquire(size), undefined, false) : this.pool.acquire(size);
    const storage = new Storage(buffer, (b) => this.pool.release(b));
    return new Tensor(this, shape, dtype, storage);
  }

  /** A tensor holding the given data. */
  tensor(data: ArrayLike<number>, shape: readonly number[] = [data.length], dtype: DType = 'f32'): Tensor {
    const n = shapeSize(shape);
    if (data.length !== n) {
      throw new Error(`tensor: ${data.length} values do not fill shape ${formatShape(shape)} (${n} elements)`);
    }
    const t = this.empty(shape, dtype, 'tensor');
    // f16: round to nearest even on the CPU, padded to whole 4-byte words for writeBuffer.
    const typed =
      dtype === 'f16'
        ? encodeF16(data, Math.ceil(n / 2) * 2)
        : dtype === 'f32'
          ? (data instanceof Float32Array ? data : Float32Array.from(data))
          : dtype === 'i32'
            ? (data instanceof Int32Array ? data : Int32Array.from(data))
            : (data instanceof Uint32Array ? data : Uint32Array.from(data));
    // A pooled buffer may still be read by recorded, unsubmitted work: submit that first,
    // because queue writes land before anything submitted later.
    if (this.encoder) this.flush();
    if (n > 0) {
      const write = () => this.device.queue.writeBuffer(t.buffer, 0, typed.buffer, typed.byteOffset, typed.byteLength);
      if (this.debug) this.scoped('tensor', write);
      else write();
    }
    return t;
  }

  /** A trainable leaf that outlives every scope (dispose it yourself). */
  parameter(data: ArrayLike<number>, shape: readonly number[] = [data.length], name?: string): Tensor {
    const t = this.keep(this.tensor(data, shape));
    t.requiresGrad = true;
    if (name) t.name = name;
    return t;
  }

  /** Reads a tensor back to the CPU. */
  async read(t: Tensor): Promise<Float32Array | Int32Array | Uint32Array> {
    this.checkOwn('read', t);
    const bytes = t.byteSize;
    const Ctor = t.dtype === 'f32' || t.dtype === 'f16' ? Float32Array : t.dtype === 'i32' ? Int32Array : Uint32Array;
    if (bytes === 0) return new Ctor(0);
    this.errors.throwIfFailed();
    const copyOut = () => {
      const buffer = this.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      this.endPass();
      this.ensureEncoder().copyBufferToBuffer(t.buffer, 0, buffer, 0, buffer.size);
      this.flush();
      return buffer;
    };
    const staging = this.debug ? this.scoped('read', copyOut) : copyOut();
    try {
      await this.gpu.waitFor(staging.mapAsync(GPUMapMode.READ));
      // The data is only what it should be if every check of the work before it passed.
      await this.errors.settle((p) => this.gpu.waitFor(p));
      const raw = staging.getMappedRange().slice(0, bytes);
      return t.dtype === 'f16' ? decodeF16(new Uint16Array(raw)) : new Ctor(raw);
    } finally {
      if (staging.mapState === 'mapped') staging.unmap();
      staging.destroy();
    }
  }

  // ---------------------------------------------------------------- scopes

  /** Runs `fn`; every tensor it creates and does not return (or `keep`) is disposed at the end. */
  tidy<T>(fn: () => T): T {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } finally {
      this.scopes.pop();
    }
    if (result instanceof Promise) {
      throw new Error('tidy: the function returned a Promise; use tidyAsync for async work');
    }
    this.closeScope(scope, result);
    return result;
  }

  /** As `tidy` for async functions. Do not interleave two of them: scopes are a stack. */
  async tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = await fn();
    } finally {
      const i = this.scopes.lastIndexOf(scope);
      if (i >= 0) this.scopes.splice(i, 1);
    }
    this.closeScope(scope, result);
    return result;
  }

  private closeScope(scope: Set<Tensor>, result: unknown): void {
    const parent = this.scopes[this.scopes.length - 1] ?? null;
    const returned = new Set<Tensor>();
    collectTensors(result, returned);
    for (const t of returned) {
      if (t.scope === scope) {
        scope.delete(t);
        t.scope = parent;
        parent?.add(t);
      }
    }
    for (const t of [...scope]) t.dispose();
  }

  /** Takes a tensor out of scope management; it lives until `dispose()`. */
  keep<T extends Tensor>(t: T): T {
    t.scope?.delete(t);
    t.scope = null;
    return t;
  }

  /** Runs `fn` without recording a gradient graph. */
  noGrad<T>(fn: () => T): T {
    const prev = this.gradEnabled;
    this.gradEnabled = false;
    try {
      return fn();
    } finally {
      this.gradEnabled = prev;
    }
  }

  /** @internal called by Tensor. */
  track(t: Tensor): void {
    this.live++;
    const scope = this.scopes[this.scopes.length - 1];
    if (scope) {
      scope.add(t);
      t.scope = scope;
    }
  }

  /** @internal called by Tensor.dispose. */
  untrack(t: Tensor): void {
    this.live--;
    t.scope?.delete(t);
    t.scope = null;
  }

  /** Tensors not yet disposed (a leak check counts these). */
  get liveTensors(): number {
    return this.live;
  }

  // ---------------------------------------------------------------- kernels

  /**
   * The cached pipeline of a kernel key, compiled on first use. Creation is synchronous; its
   * compilation messages and error scope are checked when they arrive (see `ErrorWatch`).
   */
  private pipelineFor(k: Kernel): CachedPipeline {
    let p = this.pipelines.get(k.key);
    if (!p) {
      const code = k.f16 ? `enable f16;\n${k.wgsl()}` : k.wgsl();
      this.device.pushErrorScope('validation');
      let module: GPUShaderModule, pipeline: GPUComputePipeline, layout: GPUBindGroupLayout;
      let scope: Promise<GPUError | null>;
      try {
        module = this.device.createShaderModule({ code, label: k.key });
        pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: k.key });
        layout = pipeline.getBindGroupLayout(0);
      } finally {
        scope = this.device.popErrorScope();
      }
      const entry: CachedPipeline = { pipeline, layout, bindingsChecked: false, broken: null };
      const check = Promise.all([module.getCompilationInfo(), scope]).then(([info, error]) => {
        const messages = info.messages.filter((m) => m.type === 'error');
        if (messages.length > 0) return compileError(k.op, k.key, code, messages);
        const message = scopeMessage(error);
        return message === null ? null : gpuError(k.op, 'pipeline', message, k.key);
      });
      this.unchecked.set(k.op, (this.unchecked.get(k.op) ?? 0) + 1);
      const settled = () => {
        const n = (this.unchecked.get(k.op) ?? 1) - 1;
        if (n > 0) this.unchecked.set(k.op, n);
        else this.unchecked.delete(k.op);
      };
      this.errors.watch(check.finally(settled), (e) => (entry.broken = e));
      this.pipelines.set(k.key, (p = entry));
    }
    return p;
  }

  /** Number of distinct pipelines compiled so far (stays flat in a steady loop). */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** Records one dispatch. Nothing runs until the batch is submitted. */
  dispatch(k: Kernel, args: DispatchArgs): void {
    this.checkAlive(k.op);
    this.errors.throwIfFailed();
    if (!k.f16) {
      const half = [...(args.read ?? []), ...args.write].find((t) => t.dtype === 'f16');
      if (half) throw new Error(`${k.op}: f16 tensors are not supported by this op (got ${half}); cast to f32 first`);
    }
    const grid = this.grid(k, args.workgroups);
    if (grid[0] * grid[1] * grid[2] === 0) return;
    if (this.debug) this.scoped(k.op, () => this.record(k, args, grid), k.key);
    else this.record(k, args, grid);
  }

  private record(k: Kernel, args: DispatchArgs, grid: [number, number, number]): void {
    const cached = this.pipelineFor(k);
    if (cached.broken) throw cached.broken;
    const { pipeline, layout } = cached;

    const entries: GPUBindGroupEntry[] = [];
    let binding = 0;
    for (const t of [...(args.read ?? []), ...args.write]) {
      this.checkOwn(k.op, t);
      entries.push({ binding: binding++, resource: { buffer: t.buffer, offset: 0, size: Math.max(4, Math.ceil(t.byteSize / 4) * 4) } });
    }
    if (args.uniforms) {
      if (this.uniformUsed + 256 > UNIFORM_ARENA_BYTES) this.flush();
      const offset = this.uniformUsed;
      const len = writeUniforms(this.uniformView, offset, args.uniforms);
      this.uniformUsed = Math.ceil((offset + len) / this.uniformAlign) * this.uniformAlign;
      entries.push({ binding, resource: { buffer: this.uniformGpu, offset, size: len } });
    }
    let bindGroup: GPUBindGroup;
    if (cached.bindingsChecked) bindGroup = this.device.createBindGroup({ layout, entries });
    else {
      // First dispatch of this key: check its bindings, and blame the batch's submit on it.
      this.device.pushErrorScope('validation');
      try {
        bindGroup = this.device.createBindGroup({ layout, entries, label: k.key });
      } finally {
        this.watchScope(k.op, 'bindings', k.key);
      }
      cached.bindingsChecked = true;
      this.firstUses.push(k.op);
    }
    if (this.profile) {
      // Profiling: a pass of its own per dispatch, bracketed by timestamps.
      if (this.profile.full) this.flush();
      this.endPass();
      this.pass = this.ensureEncoder().beginComputePass(this.profile.passFor(k.op, k.key));
    }
    const pass = this.ensurePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    if (this.profile) this.endPass();
    if (++this.dispatchesInBatch >= this.maxDispatchesPerSubmit) this.flush();
  }

  private grid(k: Kernel, wg: DispatchArgs['workgroups']): [number, number, number] {
    const max = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    if (typeof wg !== 'number') {
      if (wg.some((d) => d > max)) throw new Error(`${k.op}: workgroup grid [${wg.join(', ')}] exceeds this adapter's limit of ${max} per dimension`);
      return [wg[0], wg[1], wg[2]];
    }
    if (wg <= max) return [wg, 1, 1];
    const y = Math.ceil(wg / max);
    if (y > max) throw new Error(`${k.op}: ${wg} workgroups is more than this adapter can launch (${max}²)`);
    return [Math.ceil(wg / y), y, 1];
  }

  private ensureEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private ensurePass(): GPUComputePassEncoder {
    return (this.pass ??= this.ensureEncoder().beginComputePass());
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** Copies `src` into `dst` (same byte size) inside the current batch. */
  copy(src: Tensor, dst: Tensor): void {
    if (src.byteSize !== dst.byteSize) throw new Error(`copy: ${src} and ${dst} differ in size`);
    if (src.byteSize === 0) return;
    this.errors.throwIfFailed();
    const record = () => {
      this.endPass();
      this.ensureEncoder().copyBufferToBuffer(src.buffer, 0, dst.buffer, 0, Math.ceil(src.byteSize / 4) * 4);
    };
    if (this.debug) this.scoped('copy', record);
    else record();
  }

  /**
   * Copies `bytes` from `src` at byte `srcOffset` into `dst` at `dstOffset`, inside the current
   * batch. WebGPU copies take offsets and sizes in multiples of 4 bytes, between distinct buffers.
   */
  copyBytes(src: Tensor, srcOffset: number, dst: Tensor, dstOffset: number, bytes: number): void {
    this.checkOwn('copy', src);
    this.checkOwn('copy', dst);
    const where = `${bytes} bytes from ${src} at ${srcOffset} into ${dst} at ${dstOffset}`;
    if (![srcOffset, dstOffset, bytes].every((v) => Number.isInteger(v) && v >= 0 && v % 4 === 0)) {
      throw new Error(`copy: offsets and size must be multiples of 4 bytes (${where})`);
    }
    if (srcOffset + bytes > src.byteSize || dstOffset + bytes > dst.byteSize) throw new Error(`copy: out of bounds (${where})`);
    if (src.buffer === dst.buffer) throw new Error(`copy: source and destination share a buffer (${where})`);
    if (bytes === 0) return;
    this.errors.throwIfFailed();
    const record = () => {
      this.endPass();
      this.ensureEncoder().copyBufferToBuffer(src.buffer, srcOffset, dst.buffer, dstOffset, bytes);
    };
    if (this.debug) this.scoped('copy', record);
    else record();
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    this.profile?.resolve(this.encoder);
    const encoder = this.encoder;
    this.encoder = null;
    if (this.firstUses.length === 0 && this.unchecked.size === 0) this.submit(encoder);
    else {
      // The first batch of a kernel key, or one submitted before its pipeline was known to be
      // valid: encoding errors (an invalid pipeline, aliased writable bindings) surface here.
      const blame = [...new Set([...this.firstUses, ...this.unchecked.keys()])].join(', ');
      this.firstUses = [];
      this.device.pushErrorScope('validation');
      try {
        this.submit(encoder);
      } finally {
        this.watchScope(blame, 'batch');
      }
    }
    this.dispatchesInBatch = 0;
    this.uniformUsed = 0;
  }

  private submit(encoder: GPUCommandEncoder): void {
    if (this.uniformUsed > 0) this.device.queue.writeBuffer(this.uniformGpu, 0, this.uniformCpu, 0, this.uniformUsed);
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * Starts timing every dispatch on the GPU (needs the `timestamp-query` feature); `await
   * profile.stop()` returns the time per kernel. See profiler.ts; `formatProfile` prints it.
   */
  startProfile(): KernelProfile {
    this.checkAlive('startProfile');
    if (!this.gpu.features.has('timestamp-query')) throw new Error('startProfile: this device has no timestamp-query feature, so GPU time cannot be measured');
    if (this.profile) throw new Error('startProfile: a profile is already running on this runtime');
    this.flush();
    const profile = new KernelProfile(this.device, this.maxDispatchesPerSubmit, async () => {
      this.flush();
      this.profile = null;
      await this.sync();
    }, (p) => this.waitFor(p));
    this.profile = profile;
    return profile;
  }

  /** Awaits a promise of this device (e.g. a `mapAsync`) the way the host waits best (see `DeviceOptions.pollIntervalMs`). */
  waitFor<T>(promise: Promise<T>): Promise<T> {
    return this.gpu.waitFor(promise);
  }

  /** Submits and waits until the GPU has finished everything. */
  async sync(): Promise<void> {
    this.errors.throwIfFailed();
    this.flush();
    await this.gpu.waitFor(this.device.queue.onSubmittedWorkDone());
    await this.errors.settle((p) => this.gpu.waitFor(p));
  }

  /** Pops the innermost error scope and watches it, blaming `op`. */
  private watchScope(op: string, kind: 'bindings' | 'batch' | 'validation' | 'memory', key?: string): void {
    this.errors.watch(this.device.popErrorScope().then((e) => {
      const message = scopeMessage(e);
      return message === null ? null : gpuError(op, kind, message, key);
    }));
  }

  /**
   * Debug mode: runs `fn` inside validation and out-of-memory scopes blamed on `op`, submitting
   * the work recorded before and by it on either side (`submit`), so the scopes hold its work
   * alone. The scopes are popped even if `fn` throws, so the device's scope stack stays balanced.
   */
  private scoped<T>(op: string, fn: () => T, key?: string, submit = true): T {
    if (submit) this.flush();
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    try {
      const out = fn();
      if (submit) this.flush();
      return out;
    } finally {
      this.watchScope(op, 'validation', key);
      this.watchScope(op, 'memory', key);
    }
  }

  /** Releases pooled memory and the device. Tensors of this runtime become unusable. */
  destroy(): void {
    if (this.destroyed) return;
    this.flush();
    this.destroyed = true;
    this.pool.trim();
    this.uniformGpu.destroy();
    this.device.destroy();
  }

  private checkAlive(op: string): void {
    if (this.destroyed) throw new Error(`${op}: the runtime was destroyed`);
  }

  /** Throws, naming the op, unless `t` is live and on this runtime (WebGPU would only log a validation error). */
  checkOwn(op: string, t: Tensor): void {
    t.assertLive(op);
    if (t.rt !== this) throw new Error(`${op}: ${t} belongs to a different runtime`);
  }
}

function collectTensors(value: unknown, out: Set<Tensor>, depth = 0): void {
  if (value instanceof Tensor) {
    out.add(value);
    if (value.grad) out.add(value.grad);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, depth + 1);
  } else if (value && typeof value === 'object' && depth < 4 && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, depth + 1);
  }
}
