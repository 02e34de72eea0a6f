/** The command tree. Each command lives in `commands/` and reads top to bottom. */
import { Command } from 'commander';
import { clipCommand } from './commands/clip.js';
import { clipTrainCommand } from './commands/clip-train.js';
import { worldCommand } from './commands/world.js';
import { adaptCommand } from './commands/adapt.js';
import { styleDomainCommand } from './commands/styledomain.js';
import { domainCommand } from './commands/domain.js';
import { convertCommand } from './commands/convert.js';
import { generateCommand } from './commands/generate.js';
import { trainCommand } from './commands/train.js';
import { projectCommands } from './commands/project.js';
import { discoverCommand } from './commands/discover.js';
import { oneLine } from './cli-error.js';

export function buildProgram(): Command {
  const program = new Command('stylegpu')
    .description('StyleGAN2 and CLIP on WebGPU: generate, convert, adapt.')
    .version('0.1.0');
  program.addCommand(clipCommand().addCommand(clipTrainCommand()));
  program.addCommand(generateCommand());
  program.addCommand(convertCommand());
  program.addCommand(adaptCommand().addCommand(styleDomainCommand()));
  program.addCommand(domainCommand());
  program.addCommand(trainCommand());
  for (const c of projectCommands()) program.addCommand(c);
  program.addCommand(discoverCommand());
  program.addCommand(worldCommand());
  oneLineUsageErrors(program, []);
  return program;
}

/**
 * Commander's own complaints (a missing required flag, a bad choice, an unknown command) as one
 * stderr line in the CLI's shape, `stylegpu: <command>: <what is wrong>; see stylegpu <command> --help`,
 * instead of the message plus the whole help. Applied to every command: `addCommand` does not pass
 * settings down.
 */
function oneLineUsageErrors(cmd: Command, parents: string[]): void {
  const path = [...parents, cmd.name()];
  const sub = path.slice(1).join(' ');
  cmd
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => {
        const what = oneLine(text).replace(/^error:\s*/, '').replace(/\.$/, '');
        write(`stylegpu: ${sub ? `${sub}: ` : ''}${what}; see stylegpu ${sub ? `${sub} ` : ''}--help\n`);
      },
    });
  for (const child of cmd.commands) oneLineUsageErrors(child, path);
}
