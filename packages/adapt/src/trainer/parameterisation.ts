/**
 * What an adaptation run trains, and how it turns W+ into the adapted image. A parameterisation
 * owns its trainable tensors (generator weights it unfroze, or offsets it allocated) and applies
 * them; the trainer only optimises `named()` and calls `synthesis`.
 *
 * New parameterisation = one file in `parameterisations/` plus one entry in its registry.
 */
import type { Tensor } from '@stylegpu/kernels';

export interface Parameterisation {
  /** Registry name, e.g. 'original', 's_delta', 'affine_plus'. */
  readonly name: string;
  /**
   * Optimiser family: 'nada' = Adam(lr·4/5, betas (0, 0.99^(4/5))) as NADA and StyleDomain's
   * `patch_key: original`; 'adam' = Adam(lr, betas (0.9, 0.999)) as StyleDomain's offset configs.
   */
  readonly optimizer: 'nada' | 'adam';
  /** The trainable tensors by name (requiresGrad set), in a fixed order. */
  named(): Map<string, Tensor>;
  /** The adapted image for ws [N, numWs, wDim] (differentiable in the trainable tensors). */
  synthesis(ws: Tensor): Tensor;
  /** Offset tensors the L1/L2 offset regularisers act on (empty for weight fine-tuning). */
  offsets(): Tensor[];
  /** How many numbers train. */
  parameterCount(): number;
  /** Frees what the parameterisation allocated (not the generator). */
  dispose(): void;
}
