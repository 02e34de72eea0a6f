/** State-dict readers: PyTorch checkpoints through the kernels' reader, safetensors when the bytes are one. */
import { type HostTensor, readSafetensors } from '@stylegpu/kernels';
export { flattenStateDict, readTorchCheckpoint } from '@stylegpu/kernels';

/** The tensors of a safetensors file, or null when the bytes are not one (a torch .pth). */
export function safeReadSafetensors(bytes: Uint8Array): Map<string, HostTensor> | null {
  if (bytes.length < 10 || bytes[8] !== 0x7b) return null; // u64 header length, then '{'
  try {
    return readSafetensors(bytes).tensors;
  } catch {
    return null;
  }
}
