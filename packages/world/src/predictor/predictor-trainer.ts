/** One Adam step at a time on the predictor's loss (./factor-loss.ts). */
import { Adam, backward, type Tensor } from '@stylegpu/kernels';
import type { FactorPredictor } from './factor-predictor.js';
import type { FactorVectors } from './head-layout.js';

export interface PredictorTrainerOptions {
  lr?: number;
  betas?: readonly [number, number];
}

export class PredictorTrainer {
  readonly optimizer: Adam;

  constructor(
    readonly predictor: FactorPredictor,
    options: PredictorTrainerOptions = {},
  ) {
    this.optimizer = new Adam([...predictor.parameters().values()], { lr: options.lr ?? 1e-3, betas: options.betas ?? [0.9, 0.999] });
  }

  /** Forward, loss, backward and one update on a batch; returns the batch's loss before the update. */
  async step(images: Tensor, factors: FactorVectors): Promise<number> {
    const rt = this.predictor.rt;
    const loss = rt.tidy(() => {
      this.optimizer.zeroGrad();
      const l = this.predictor.loss(images, factors);
      backward(l);
      this.optimizer.step();
      this.optimizer.zeroGrad();
      l.gradFn = null; // the graph closes with this scope; only the value is read
      return l;
    });
    try {
      return await loss.item();
    } finally {
      loss.dispose();
    }
  }

  /** The loss of a batch without updating (no graph recorded). */
  async evaluate(images: Tensor, factors: FactorVectors): Promise<number> {
    const rt = this.predictor.rt;
    const loss = rt.noGrad(() => rt.tidy(() => this.predictor.loss(images, factors)));
    try {
      return await loss.item();
    } finally {
      loss.dispose();
    }
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
