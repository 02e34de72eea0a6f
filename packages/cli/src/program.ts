/** The command tree. Each command lives in `commands/` and reads top to bottom. */
import { Command } from 'commander';
import { clipCommand } from './commands/clip.js';
import { adaptCommand } from './commands/adapt.js';
import { convertCommand } from './commands/convert.js';
import { generateCommand } from './commands/generate.js';

export function buildProgram(): Command {
  const program = new Command('stylegpu')
    .description('StyleGAN2 and CLIP on WebGPU: generate, convert, adapt.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(clipCommand());
  program.addCommand(generateCommand());
  program.addCommand(convertCommand());
  program.addCommand(adaptCommand());
  return program;
}
