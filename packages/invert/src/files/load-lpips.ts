/**
 * LPIPS-VGG16 weights from the files people have: torchvision's `vgg16-*.pth` (features.*) and the lpips
 * package's `weights/v0.1/vgg.pth` (lin0..lin4), or one file holding both; read by the kernels' torch reader
 * (the pickle is parsed, never executed).
 */
import { readFile } from 'node:fs/promises';
import { flattenStateDict, readTorchCheckpoint, safeReadSafetensors } from './torch-files.js';
import { type LpipsWeights, lpipsWeightsFromStateDicts } from '../losses/lpips-vgg16.js';

export async function loadLpipsWeights(paths: readonly string[]): Promise<LpipsWeights> {
  const dicts = [];
  for (const path of paths) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      throw new Error(`LPIPS weights ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}; check the path`);
    }
    const st = safeReadSafetensors(bytes);
    if (st) dicts.push(st);
    else {
      try {
        dicts.push(flattenStateDict(readTorchCheckpoint(bytes, { name: path }).root));
      } catch (e) {
        throw new Error(`LPIPS weights ${path}: cannot read it as a PyTorch state dict (${(e as Error).message}); give torchvision's vgg16 .pth and the lpips vgg.pth`);
      }
    }
  }
  return lpipsWeightsFromStateDicts(dicts, paths.join(' + '));
}
