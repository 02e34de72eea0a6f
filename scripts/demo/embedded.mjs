// Which embedded models this copy has. The weights are trained on the build machine and may be absent
// (or STYLEGPU_EMBEDDED_DIR may point elsewhere); a demo section whose files are missing says so in one
// line and the demo goes on. The file locations come from each package's own name table.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedGeneratorUrl } from '@stylegpu/stylegan';
import { embeddedClipUrls } from '@stylegpu/clip';
import { embeddedPredictorUrl } from '@stylegpu/world/predictor';

export const GENERATOR = 'embedded:shapes32';
export const CLIP = 'embedded:shapes32-clip';
export const PREDICTOR = 'embedded:shapes32-predictor';

/** name → { package folder (for its README), files it needs }. */
function filesOf(name) {
  if (name === GENERATOR) return { pkg: 'packages/stylegan', files: [embeddedGeneratorUrl(name)] };
  if (name === CLIP) {
    const { weights, vocabulary } = embeddedClipUrls(name);
    return { pkg: 'packages/clip', files: [weights, vocabulary] };
  }
  if (name === PREDICTOR) return { pkg: 'packages/world', files: [embeddedPredictorUrl(name)] };
  throw new Error(`demo: no embedded model named ${name}`);
}

/**
 * The one-line reason the first missing model in `names` stops a section, or null when every file is
 * there: `skipped: <file> is not present yet (see <package>/embedded/README.md)`.
 */
export function missingModel(names, root) {
  for (const name of names) {
    const { pkg, files } = filesOf(name);
    for (const url of files) {
      const path = fileURLToPath(url);
      if (!existsSync(path)) {
        const shown = path.startsWith(root) ? relative(root, path) : path;
        return `skipped: ${shown} is not present yet (see ${pkg}/embedded/README.md)`;
      }
    }
  }
  return null;
}
