/** The stylegpu command line as a library: its parsers and the commands, for scripting and tests. */
export { parseSeeds } from './seeds.js';
export { toUint8Hwc } from './to-uint8.js';
export { buildProgram } from './program.js';
