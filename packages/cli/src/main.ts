#!/usr/bin/env node
/**
 * `stylegpu`: the binary. Every failure ends the process with exit code 1 and one line on stderr,
 * `stylegpu: <what> <path>: <why>; <what to do>` (see cli-error.ts).
 */
import { CommanderError } from 'commander';
import { errorLine } from './cli-error.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    // Commander already printed help, the version or its own (one-line) usage error.
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`${errorLine(err)}\n`);
    process.exit(1);
  });
