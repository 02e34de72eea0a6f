// The stylegpu demo on the models shipped in the packages (embedded:shapes32 and friends): a generated
// grid, a StyleGAN-NADA colour change guided by the small CLIP, an inversion of a world image, and SeFa
// directions read back with the factor predictor. Every number printed is measured here; pictures go to
// demo-output/. A section whose embedded file is absent prints one "skipped:" line and the demo goes on.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, describeAdapter } from '@stylegpu/kernels';
import { CLIP, GENERATOR, PREDICTOR, missingModel } from './demo/embedded.mjs';
import { gridSection } from './demo/grid-section.mjs';
import { nadaSection } from './demo/nada-section.mjs';
import { inversionSection } from './demo/inversion-section.mjs';
import { discoverySection } from './demo/discovery-section.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'demo-output');
mkdirSync(out, { recursive: true });

const started = performance.now();
const rt = await createRuntime();
console.log(`adapter: ${describeAdapter(rt.gpu.adapter)}`);
if (process.env.STYLEGPU_EMBEDDED_DIR) console.log(`embedded models from STYLEGPU_EMBEDDED_DIR=${process.env.STYLEGPU_EMBEDDED_DIR}`);

const sections = [
  { title: '1. generated grid (embedded:shapes32)', needs: [GENERATOR], run: gridSection, pictures: ['grid.png'] },
  { title: '2. StyleGAN-NADA with the embedded CLIP', needs: [GENERATOR, CLIP], run: nadaSection, pictures: ['nada-before.png', 'nada-after.png'] },
  { title: '3. inversion of a world:shapes test image', needs: [GENERATOR], run: inversionSection, pictures: ['inversion.png'] },
  { title: '4. discovery: SeFa directions', needs: [GENERATOR], run: discoverySection, pictures: ['discovery.png'] },
];
// Pictures of an earlier run would pass for this one's when a section is skipped.
const pictures = sections.flatMap((s) => s.pictures);
for (const p of pictures) rmSync(join(out, p), { force: true });
const context = { rt, out, root, predictorMissing: () => missingModel([PREDICTOR], root) };
try {
  for (const s of sections) {
    console.log(`\n${s.title}`);
    const t = performance.now();
    const missing = missingModel(s.needs, root);
    if (missing) console.log(`  ${missing}`);
    else await s.run(context);
    console.log(`  time ${seconds(performance.now() - t)}`);
  }
} finally {
  rt.destroy();
}
const written = pictures.filter((p) => existsSync(join(out, p)));
console.log(`\ntotal ${seconds(performance.now() - started)}`);
console.log(written.length ? `pictures in ${out}: ${written.join(', ')}` : 'no pictures: every section was skipped');

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
