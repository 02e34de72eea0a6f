/**
 * Row-major index arithmetic the float64 references and the op tests share (not a reference itself).
 * Written out here rather than imported from src/ops/shape.ts, so a bug there cannot hide in the references.
 */

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
