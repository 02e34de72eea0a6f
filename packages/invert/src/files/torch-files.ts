/** State-dict readers: PyTorch checkpoints through @stylegpu/io's reader, safetensors when the bytes are one. */
import { type HostTensor, readSafetensors } from '@stylegpu/io';
export { flattenStateDict, readTorchCheckpoint } from '@stylegpu/io';

/** The tensors of a safetensors file, or null when the bytes are not one (a torch .pth). */
export function safeReadSafetensors(bytes: Uint8Array): Map<string, HostTensor> | null {
  if (bytes.length < 10 || bytes[8] !== 0x7b) return null; // u64 header length, then '{'
  try {
    return readSafetensors(bytes).tensors;
  } catch {
    return null;
  }
}
