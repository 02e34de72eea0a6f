/**
 * Signed distance functions for the primitives the worlds draw (negative inside). The rasteriser turns a distance
 * into pixel coverage, so an exact (or, for ellipses, first-order) distance near the edge is what gives clean
 * antialiasing; far from the edge only the sign matters.
 */

/** sqrt(x² + y²); Math.hypot is several times slower in V8 and guards against overflow we cannot reach. */
function len(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}

export function sdCircle(x: number, y: number, radius: number): number {
  return len(x, y) - radius;
}

/** Axis-aligned box of half-extents (hx, hy), centred at the origin. */
export function sdBox(x: number, y: number, hx: number, hy: number): number {
  const dx = Math.abs(x) - hx;
  const dy = Math.abs(y) - hy;
  const outside = len(Math.max(dx, 0), Math.max(dy, 0));
  return outside + Math.min(Math.max(dx, dy), 0);
}

/**
 * Axis-aligned ellipse of radii (rx, ry), centred at the origin. First-order distance (the implicit function divided
 * by its gradient): exact on the boundary's tangent, good to a fraction of a pixel across the antialiased band.
 */
export function sdEllipse(x: number, y: number, rx: number, ry: number): number {
  const k0 = len(x / rx, y / ry);
  const k1 = len(x / (rx * rx), y / (ry * ry));
  if (k1 === 0) return -Math.min(rx, ry);
  return (k0 * (k0 - 1)) / k1;
}

/** Distance from (x, y) to the segment a–b (unsigned). */
export function distSegment(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const ex = bx - ax;
  const ey = by - ay;
  const wx = x - ax;
  const wy = y - ay;
  const len2 = ex * ex + ey * ey;
  const t = len2 > 0 ? Math.max(0, Math.min(1, (wx * ex + wy * ey) / len2)) : 0;
  return len(wx - ex * t, wy - ey * t);
}

/** Distance to an open polyline given as flat [x0, y0, x1, y1, …] (unsigned). */
export function distPolyline(x: number, y: number, points: ArrayLike<number>): number {
  let d = Infinity;
  for (let i = 0; i + 3 < points.length; i += 2) {
    d = Math.min(d, distSegment(x, y, points[i], points[i + 1], points[i + 2], points[i + 3]));
  }
  return d;
}

/**
 * A simple closed polygon (flat [x0, y0, x1, y1, …]) with its exact signed distance: the nearest edge gives the
 * magnitude, the even–odd crossing count the sign.
 */
export class Polygon {
  readonly points: Float64Array;
  /** Largest distance from the origin to a vertex: outside this circle the polygon has no pixels. */
  readonly boundingRadius: number;

  constructor(points: ArrayLike<number>) {
    if (points.length < 6 || points.length % 2 !== 0) {
      throw new Error(`Polygon: need at least 3 vertices as flat x,y pairs, got ${points.length} numbers`);
    }
    this.points = Float64Array.from(points);
    let r = 0;
    for (let i = 0; i < this.points.length; i += 2) r = Math.max(r, len(this.points[i], this.points[i + 1]));
    this.boundingRadius = r;
  }

  get vertexCount(): number {
    return this.points.length / 2;
  }

  /** Signed area (positive for counter-clockwise in a y-up frame) and area centroid, by the shoelace formula. */
  areaAndCentroid(): { area: number; cx: number; cy: number } {
    const p = this.points;
    const n = p.length / 2;
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const cross = p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
      a += cross;
      cx += (p[2 * i] + p[2 * j]) * cross;
      cy += (p[2 * i + 1] + p[2 * j + 1]) * cross;
    }
    a /= 2;
    return { area: a, cx: cx / (6 * a), cy: cy / (6 * a) };
  }

  /** The polygon moved by (dx, dy) and scaled by s about the origin (after the move). */
  transformed(dx: number, dy: number, s: number): Polygon {
    const q = new Float64Array(this.points.length);
    for (let i = 0; i < q.length; i += 2) {
      q[i] = (this.points[i] + dx) * s;
      q[i + 1] = (this.points[i + 1] + dy) * s;
    }
    return new Polygon(q);
  }

  signedDistance(x: number, y: number): number {
    const p = this.points;
    const n = p.length / 2;
    let d2 = Infinity;
    let inside = false;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const xi = p[2 * i];
      const yi = p[2 * i + 1];
      const xj = p[2 * j];
      const yj = p[2 * j + 1];
      // Squared distance to edge j→i (one square root at the end: this loop is the renderer's hot path).
      const ex = xi - xj;
      const ey = yi - yj;
      const wx = x - xj;
      const wy = y - yj;
      const len2 = ex * ex + ey * ey;
      let t = len2 > 0 ? (wx * ex + wy * ey) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const qx = wx - ex * t;
      const qy = wy - ey * t;
      const q2 = qx * qx + qy * qy;
      if (q2 < d2) d2 = q2;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    const d = Math.sqrt(d2);
    return inside ? -d : d;
  }
}
