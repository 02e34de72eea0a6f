/**
 * Opening a WebGPU device with the limits and features the kernels need.
 *
 * The GPU object comes from the entry point: `webgpu` (Dawn) in Node, `navigator.gpu` in a
 * browser. Everything after that is shared, so both runtimes see the same requests and errors.
 */

/** Limits the kernels are designed to: the smaller of Dawn/lavapipe and Chromium/SwiftShader. */
export const DESIGN_LIMITS = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
  maxComputeWorkgroupStorageSize: 32 * 1024,
} as const;

/** Limits we ask for, each up to what the adapter offers. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

const OPTIONAL_FEATURES: GPUFeatureName[] = ['shader-f16', 'timestamp-query', 'subgroups'];

export interface DeviceOptions {
  /** `'high-performance'` by default. */
  powerPreference?: GPUPowerPreference;
  /** Request `shader-f16` where the adapter has it (default true). */
  f16?: boolean;
  /** Called once if the device is lost after creation. */
  onLost?: (info: GPUDeviceLostInfo) => void;
  /**
   * Node only: while the runtime awaits the GPU, poll Dawn every this many milliseconds instead of
   * back to back (see dawn-wait.ts; the spin takes a core from lavapipe's shader threads).
   * Default 1; 0 keeps Dawn's own polling.
   */
  pollIntervalMs?: number;
  /**
   * Debug mode for the runtime on this device: every dispatch is checked for WebGPU errors on its
   * own (see `Runtime.debug`). Default: true when the environment has STYLEGPU_DEBUG=1.
   */
  debug?: boolean;
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** Subgroup sizes the adapter may use (0 when it does not say); kernels that shuffle within a subgroup need a known minimum. */
  subgroupMinSize: number;
  subgroupMaxSize: number;
}

/** A device with what the adapter told us, kept together because kernels choose variants by it. */
export interface GpuContext {
  device: GPUDevice;
  adapter: AdapterReport;
  features: ReadonlySet<string>;
  limits: Readonly<Record<(typeof WANTED_LIMITS)[number], number>>;
  /** Resolves if the device is lost; rejecting nothing, as the WebGPU spec does. */
  lost: Promise<GPUDeviceLostInfo>;
  /** Awaits a promise of this device (a map, a queue fence) the way this host waits best. */
  waitFor<T>(promise: Promise<T>): Promise<T>;
  /** Whether a runtime on this device starts in debug mode. */
  debug?: boolean;
}

/** STYLEGPU_DEBUG=1 in the environment (Node; browsers have none). */
function debugFromEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.STYLEGPU_DEBUG === '1';
}

/** How a host awaits its GPU's promises, given the device options. */
export type GpuWaiter = (opts: DeviceOptions) => <T>(promise: Promise<T>) => Promise<T>;

export const NO_ADAPTER_HELP =
  'No WebGPU adapter was found. On Linux without a GPU, install the software Vulkan driver ' +
  '(Mesa lavapipe from bookworm-backports): run `sudo bash scripts/setup-webgpu.sh` from the stylegpu ' +
  'repository, or install `libvulkan1` and `mesa-vulkan-drivers` (Mesa 23 or newer) yourself, and make ' +
  'sure XDG_RUNTIME_DIR points to a writable folder. In a browser, WebGPU must be enabled ' +
  '(Chromium without a GPU needs --enable-unsafe-webgpu).';

/** Opens a device on the given GPU object. Both entry points call this. */
export async function openDevice(gpu: GPU | undefined, opts: DeviceOptions = {}, waiter?: GpuWaiter): Promise<GpuContext> {
  if (!gpu) throw new Error(`createDevice: WebGPU is not available in this runtime. ${NO_ADAPTER_HELP}`);
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) throw new Error(`createDevice: ${NO_ADAPTER_HELP}`);

  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = OPTIONAL_FEATURES.filter(
    (f) => adapter.features.has(f) && (f !== 'shader-f16' || opts.f16 !== false),
  );

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  } catch (err) {
    throw new Error(`createDevice: the adapter refused a device (${(err as Error).message}). ${NO_ADAPTER_HELP}`);
  }

  const info = adapter.info;
  const report: AdapterReport = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    // `isFallbackAdapter` moved from the adapter to its info; lavapipe and SwiftShader both say true.
    isFallbackAdapter: Boolean(
      (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ??
        (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
    ),
    subgroupMinSize: Number((info as { subgroupMinSize?: number } | undefined)?.subgroupMinSize ?? 0),
    subgroupMaxSize: Number((info as { subgroupMaxSize?: number } | undefined)?.subgroupMaxSize ?? 0),
  };
  const limits = {} as Record<(typeof WANTED_LIMITS)[number], number>;
  for (const name of WANTED_LIMITS) limits[name] = device.limits[name];

  const lost = device.lost.then((lostInfo) => {
    if (lostInfo.reason !== 'destroyed') {
      console.error(
        `stylegpu: the WebGPU device was lost (${lostInfo.reason}: ${lostInfo.message}). ` +
          'Create a new device with createDevice(); tensors of the old device are gone.',
      );
    }
    opts.onLost?.(lostInfo);
    return lostInfo;
  });
  device.addEventListener?.('uncapturederror', (ev) => {
    console.error(`stylegpu: uncaptured WebGPU error: ${(ev as GPUUncapturedErrorEvent).error.message}`);
  });

  const waitFor = waiter ? waiter(opts) : <T>(promise: Promise<T>) => promise;
  const debug = opts.debug ?? debugFromEnv();
  return { device, adapter: report, features: new Set(device.features), limits, lost, waitFor, debug };
}

/** A one-line description of the adapter, for logs and reports. */
export function describeAdapter(a: AdapterReport): string {
  const name = a.description || a.device || '(unnamed)';
  return `${a.vendor || 'unknown vendor'} / ${a.architecture || 'unknown architecture'} — ${name}${a.isFallbackAdapter ? ' [fallback adapter]' : ''}`;
}
