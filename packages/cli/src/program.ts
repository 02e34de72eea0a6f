/** The command tree. Each command lives in `commands/` and reads top to bottom. */
import { Command } from 'commander';

export function buildProgram(): Command {
  const program = new Command('stylegpu')
    .description('StyleGAN2 and CLIP on WebGPU: generate, convert, adapt.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  return program;
}
