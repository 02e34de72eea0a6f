/** Float64 embedding lookup (rows of a table by id) and its exact gradient. */

/** Row lookup in float64; ids outside [0, V) give zero rows. */
export function embeddingRef(ids: number[], table: Float64Array, V: number, D: number): Float64Array {
  const out = new Float64Array(ids.length * D);
  ids.forEach((id, n) => {
    if (id >= 0 && id < V) for (let c = 0; c < D; c++) out[n * D + c] = table[id * D + c];
  });
  return out;
}

/** Scatter-add of the output gradient into the table rows (the exact backward). */
export function embeddingGradRef(ids: number[], g: Float64Array, V: number, D: number): Float64Array {
  const dt = new Float64Array(V * D);
  ids.forEach((id, n) => {
    if (id >= 0 && id < V) for (let c = 0; c < D; c++) dt[id * D + c] += g[n * D + c];
  });
  return dt;
}
