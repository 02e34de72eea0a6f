/**
 * Reads a projection target from an image file (PNG or JPEG), with errors that name the file and say what
 * to do: a missing file, a folder, something that is not an image, an image too small for the generator.
 */
import { readFile, stat } from 'node:fs/promises';
import { decodeImage } from '@stylegpu/io';
import { type ProjectionTarget, projectionTarget } from '../projection/target-image.js';

export async function loadProjectionTarget(path: string, resolution: number, channels: number): Promise<ProjectionTarget> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`target ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}; give the path of a PNG or JPEG image`);
  });
  if (!info.isFile()) throw new Error(`target ${path}: not a file; give the path of a PNG or JPEG image`);
  const bytes = new Uint8Array(await readFile(path));
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) throw new Error(`target ${path}: not a PNG or JPEG image (${bytes.length} bytes of something else); give a PNG or JPEG image`);
  let image;
  try {
    image = decodeImage(bytes);
  } catch (e) {
    throw new Error(`target ${path}: cannot decode the image (${(e as Error).message.replace(/\s+/g, ' ')}); give an undamaged PNG or JPEG`);
  }
  return projectionTarget(image, resolution, channels, `target ${path}`);
}
