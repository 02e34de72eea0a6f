/**
 * `stylegpu convert IN OUT`: between checkpoint layouts, with no Python.
 *   StyleGAN2: NVIDIA .pkl / rosinality .pt / stylegpu .safetensors → stylegpu `.safetensors`, or
 *              rosinality `.pt` (a zip `torch.save` that rosinality's and StyleGAN-NADA's loaders read).
 *   CLIP:      OpenAI .pt / Hugging Face file or folder / stylegpu → stylegpu `.safetensors`.
 * The output is written atomically: a failed conversion leaves no file behind.
 */
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { writeFileAtomic } from '@stylegpu/kernels';
import { exportRosinality, loadStyleGanCheckpoint, saveStyleGanCheckpoint } from '@stylegpu/stylegan';
import { loadClipCheckpoint, saveClipCheckpointFile } from '@stylegpu/clip/node';

interface ConvertOptions {
  kind: 'auto' | 'stylegan' | 'clip';
  f16?: boolean;
}

export function convertCommand(): Command {
  return new Command('convert')
    .description('Convert a StyleGAN2 or CLIP checkpoint: OUT.safetensors (stylegpu) or OUT.pt (rosinality layout, StyleGAN2 only)')
    .argument('<in>', 'checkpoint file (or Hugging Face CLIP folder)')
    .argument('<out>', 'output file: .safetensors or .pt')
    .addOption(new Option('--kind <kind>', 'what the input holds').choices(['auto', 'stylegan', 'clip']).default('auto'))
    .option('--f16', 'store CLIP weights as float16 (stylegpu format)')
    .action(async (input: string, output: string, opts: ConvertOptions) => {
      console.log(await runConvert(input, output, opts));
    });
}

export async function runConvert(input: string, output: string, opts: ConvertOptions = { kind: 'auto' }): Promise<string> {
  const ext = extname(output).toLowerCase();
  if (ext !== '.safetensors' && ext !== '.pt' && ext !== '.pth') {
    throw new Error(`convert: output ${output} must end in .safetensors (stylegpu) or .pt (rosinality)`);
  }
  let styleganError: Error | null = null;
  if (opts.kind !== 'clip') {
    try {
      const ckpt = await loadStyleGanCheckpoint(input);
      const bytes = ext === '.safetensors' ? saveStyleGanCheckpoint(ckpt) : exportRosinality(ckpt);
      await writeFileAtomic(output, bytes);
      return `StyleGAN2 ${ckpt.config.layout} → ${ext === '.safetensors' ? 'stylegpu' : 'rosinality'}: ${output}`;
    } catch (err) {
      if (opts.kind === 'stylegan') throw err;
      styleganError = err as Error;
    }
  }
  if (ext !== '.safetensors') {
    throw new Error(`convert: ${input} is not a StyleGAN2 checkpoint (${styleganError?.message}); CLIP converts to .safetensors only`);
  }
  try {
    const ckpt = await loadClipCheckpoint(input);
    await saveClipCheckpointFile(output, ckpt, { dtype: opts.f16 ? 'f16' : 'f32' });
    return `CLIP → stylegpu: ${output}`;
  } catch (err) {
    if (!styleganError) throw err;
    throw new Error(`convert: ${input} is neither a StyleGAN2 checkpoint (${styleganError.message}) nor a CLIP checkpoint (${(err as Error).message})`);
  }
}
