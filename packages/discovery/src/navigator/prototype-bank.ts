/**
 * Running prototypes of each direction's feature change, for the prototype variant of the loss.
 * Per sensor layer ℓ the bank keeps P_ℓ ∈ R^{K × C·H·W} (no gradient). As in the author's code
 * (`diff_mask_avg_ls`, `compute_lerp_loss`), prototypes move by interpolation toward the changes
 * observed for their direction:
 *
 *   P_k ← P_k + r_k · (mean of the D observed this step for direction k − P_k)
 *
 * with r_k = `rate` once direction k has been seen, 1 on its first observation (so a prototype
 * starts as a real change, not zeros), 0 when k was not drawn this step. The prototype variant
 * contrasts D_q with P_{k+} in place of a second sample's D₊; the fork's interpolation loss
 * mean((lerp(P_k, D, r) − D)²) is available as an extra term (`lerpLoss`).
 */
import { add, matmul, mul, reshape, square, sub, mean, type Runtime, type Tensor } from '@stylegpu/kernels';

export class PrototypeBank {
  private readonly banks = new Map<number, Tensor>();
  private readonly seen: boolean[];

  constructor(
    readonly rt: Runtime,
    readonly directions: number,
    readonly rate: number,
  ) {
    if (!(rate > 0 && rate <= 1)) throw new Error(`PrototypeBank: rate must be in (0, 1], got ${rate}`);
    this.seen = Array.from({ length: directions }, () => false);
  }

  /** Each sample's prototype for layer ℓ: selection one-hot [P, K] → [P, C, H, W] (zeros before a first update). */
  select(layer: number, featureShape: readonly number[], onehot: Tensor): Tensor {
    const bank = this.bank(layer, featureShape);
    return reshape(matmul(onehot, bank), [onehot.shape[0], ...featureShape]);
  }

  /** Moves the prototypes toward this step's changes; diffs [P, C, H, W] per layer, selections [P, K] (CPU copy too). */
  update(diffsPerLayer: ReadonlyArray<readonly Tensor[]>, selections: readonly Tensor[], selected: ReadonlyArray<readonly number[]>): void {
    const K = this.directions;
    const counts = new Float64Array(K);
    for (const ks of selected) for (const k of ks) counts[k]++;
    const rates = new Float32Array(K);
    const inverse = new Float32Array(K);
    for (let k = 0; k < K; k++) {
      if (counts[k] === 0) continue;
      rates[k] = this.seen[k] ? this.rate : 1;
      inverse[k] = 1 / counts[k];
    }
    this.rt.noGrad(() => {
      diffsPerLayer.forEach((diffs, layer) => {
        const shape = diffs[0].shape.slice(1);
        const old = this.bank(layer, shape);
        const next = this.rt.tidy(() => {
          const size = old.shape[1];
          let total: Tensor | null = null;
          diffs.forEach((d, i) => {
            const part = matmul(selections[i], reshape(d, [d.shape[0], size]), { transA: true });
            total = total ? add(total, part) : part;
          });
          const meanChange = mul(total!, this.rt.tensor(inverse, [K, 1]));
          return add(old, mul(sub(meanChange, old), this.rt.tensor(rates, [K, 1])));
        });
        old.dispose();
        this.banks.set(layer, this.rt.keep(next));
      });
    });
    for (let k = 0; k < K; k++) if (counts[k] > 0) this.seen[k] = true;
  }

  /** The fork's interpolation loss: mean((P + r(D − P) − D)²). */
  lerpLoss(d: Tensor, prototype: Tensor): Tensor {
    const t = add(prototype, mul(sub(d, prototype), this.rt.tensor([this.rate], [1])));
    return mean(square(sub(t, d)));
  }

  dispose(): void {
    for (const t of this.banks.values()) t.dispose();
    this.banks.clear();
  }

  private bank(layer: number, featureShape: readonly number[]): Tensor {
    const size = featureShape.reduce((a, b) => a * b, 1);
    let b = this.banks.get(layer);
    if (!b) {
      b = this.rt.keep(this.rt.tensor(new Float32Array(this.directions * size), [this.directions, size]));
      this.banks.set(layer, b);
    }
    if (b.shape[1] !== size) throw new Error(`PrototypeBank: sensor layer ${layer} changed size (${b.shape[1]} → ${size} values per sample)`);
    return b;
  }
}
