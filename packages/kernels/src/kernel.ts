/**
 * What a kernel is, and the small WGSL helpers every kernel shares.
 *
 * A kernel is a cache key plus a function that writes its WGSL. The key names every
 * specialisation baked into the source (op, rank, flags, tile shape); per-run sizes go in the
 * uniform struct instead (declared with `uniformStruct`, uniforms.ts), so one pipeline serves
 * every shape. The runtime compiles a key once and is the only cache: ops build their Kernel
 * at dispatch rather than keeping their own map of them.
 *
 * Binding convention, used by every op: read-only inputs first (bindings 0..r-1), then the
 * outputs (read_write), then the uniform struct last.
 */

export interface Kernel {
  /** Op name, for errors. */
  readonly op: string;
  /** Everything the WGSL depends on besides per-run uniforms. */
  readonly key: string;
  /** Called once per key. */
  readonly wgsl: () => string;
  /**
   * Whether this specialisation reads or writes f16 tensors. The runtime adds `enable f16;` to
   * its WGSL, and refuses f16 tensors for every kernel without it (they would be read as f32).
   */
  readonly f16?: boolean;
}

export function kernel(op: string, spec: string | number, wgsl: () => string, f16 = false): Kernel {
  return { op, key: `${op}|${spec}`, wgsl, f16 };
}

/** A uniform value: plain numbers are u32; wrap with `f32()` / `i32()` otherwise. */
export type Uniform = number | { readonly f32: number } | { readonly i32: number };
export const f32 = (v: number): Uniform => ({ f32: v });
export const i32 = (v: number): Uniform => ({ i32: v });

/** Writes uniforms as consecutive 4-byte fields, padded to 16 bytes. Returns the byte length. */
export function writeUniforms(view: DataView, offset: number, values: readonly Uniform[]): number {
  let o = offset;
  for (const v of values) {
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`uniform u32 out of range: ${v}`);
      view.setUint32(o, v, true);
    } else if ('f32' in v) view.setFloat32(o, v.f32, true);
    else view.setInt32(o, v.i32, true);
    o += 4;
  }
  const len = Math.max(16, Math.ceil((o - offset) / 16) * 16);
  for (; o < offset + len; o += 4) view.setUint32(o, 0, true);
  return len;
}

/** Declares bindings in the shared convention. `reads`/`writes` are [name, element type]. */
export function bindings(
  reads: ReadonlyArray<readonly [string, string]>,
  writes: ReadonlyArray<readonly [string, string]>,
  uniformStruct?: string,
): string {
  const lines: string[] = [];
  let b = 0;
  for (const [name, type] of reads) lines.push(`@group(0) @binding(${b++}) var<storage, read> ${name}: array<${type}>;`);
  for (const [name, type] of writes) lines.push(`@group(0) @binding(${b++}) var<storage, read_write> ${name}: array<${type}>;`);
  if (uniformStruct) {
    lines.push(`struct Uniforms { ${uniformStruct} };`);
    lines.push(`@group(0) @binding(${b}) var<uniform> u: Uniforms;`);
  }
  return lines.join('\n');
}

/**
 * Entry point for 1-D work over `total` items, WG threads per workgroup. Dispatches larger than
 * the per-dimension limit are split over x and y by the runtime; `idx` is the flat item index.
 */
export function flatMain(workgroupSize: number, body: string): string {
  return `
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.x + wid.y * nwg.x) * ${workgroupSize}u + lid;
${body}
}`;
}

/** The component of a packed `array<vec4<u32>, N>` uniform for dimension d, as WGSL text. */
export function packed(name: string, d: number): string {
  return `u.${name}[${d >> 2}].${'xyzw'[d & 3]}`;
}

export const MAX_RANK = 8;
