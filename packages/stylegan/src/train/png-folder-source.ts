/**
 * A folder of PNG images as a training set (Node): every `*.png` directly in the folder, sorted
 * by name, decoded to RGB (grey is replicated, alpha dropped). As with NVIDIA's ImageFolderDataset
 * the images must already be square and all of one power-of-two size: resize them first
 * (NVIDIA's `dataset_tool.py` does this); nothing is rescaled here.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type RasterImage, decodePng, readFileBytes } from '@stylegpu/io';
import { type ArraySourceOptions, ImageArraySource } from './image-source.js';

export async function pngFolderSource(dir: string, o: ArraySourceOptions & { resolution?: number } = {}): Promise<ImageArraySource> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.png')).sort();
  } catch (e) {
    throw new Error(`PNG folder ${dir}: cannot read it (${(e as Error).message})`);
  }
  if (names.length === 0) throw new Error(`PNG folder ${dir}: no .png files in it`);
  const images: RasterImage[] = [];
  let first: { name: string; size: number } | null = null;
  for (const name of names) {
    const path = join(dir, name);
    let im: RasterImage;
    try {
      im = decodePng(await readFileBytes(path), { channels: 3 });
    } catch (e) {
      throw new Error(`PNG folder: ${path}: ${(e as Error).message}`);
    }
    if (im.width !== im.height || (im.width & (im.width - 1)) !== 0 || im.width < 8) {
      throw new Error(`PNG folder: ${path} is ${im.width}×${im.height}; training images must be square with a power-of-two side ≥ 8 (resize the dataset first)`);
    }
    first ??= { name, size: im.width };
    if (im.width !== first.size) throw new Error(`PNG folder: ${path} is ${im.width}×${im.height} but ${first.name} is ${first.size}×${first.size}; all images must have one size`);
    images.push(im);
  }
  if (o.resolution !== undefined && o.resolution !== first!.size) {
    throw new Error(`PNG folder ${dir}: its images are ${first!.size}×${first!.size}, but --resolution is ${o.resolution}`);
  }
  return new ImageArraySource(images, { ...o, name: o.name ?? dir });
}
