/**
 * Which generator tensors are trained and which are buffers (NVIDIA `register_buffer`s): w_avg
 * (a running mean the training updates itself) and the constant noise maps. Optimisers get the
 * rest; the EMA copies the buffers instead of averaging them.
 */
import type { Generator } from '../model/generator.js';
import type { Tensor } from '@stylegpu/kernels';

export function isGeneratorBuffer(name: string): boolean {
  return name === 'mapping.w_avg' || name.endsWith('.noise_const');
}

/** The generator's trainable parameters, NVIDIA-named, in state_dict order. */
export function generatorTrainables(G: Generator): Array<[string, Tensor]> {
  return [...G.params].filter(([n]) => !isGeneratorBuffer(n));
}
