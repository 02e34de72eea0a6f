// The StyleDomain comparison table: every parameterisation trained in the same run set-up (same seed, steps,
// batch, losses, CLIP models), with the numbers trained, the mean step time (steps 1…N−1; step 0 compiles
// pipelines) and the CLIP-score shift towards the target text on fixed evaluation latents
// (CLIP score = 100·cos(E_I(image), E_T("a {target}")), adapted minus source, averaged over images and models),
// also as a fraction of full fine-tuning's shift.
//
// Run after building (`npx turbo run build --filter=@stylegpu/adapt`):
//   node packages/adapt/scripts/compare-parameterisations.mjs --ckpt G.pkl --clip ViT-B-32.pt[,ViT-B-16.pt] \
//        [--vocab V] [--source photo] [--target sketch] [--iters 50] [--batch 2] [--kinds original:all,s_delta,…]
//        [--kernel-res 64] [--lr-offsets 0.05] [--lr-weights 0.002] [--eval 8] [--templates "a {} circle,a {} square"]
// Each CLIP model is read with its own tokenizer (`loadClipTokenizer`): a word-tokenized stylegpu model
// (`embedded:shapes32-clip`, or clip.safetensors with clip.vocab.json beside it) with its word vocabulary,
// others with OpenAI's BPE or --vocab (a BPE vocabulary; refused for a word model). A word model knows
// only its captions' words, so give it --templates in its vocabulary (NADA's default is the ImageNet list),
// e.g. --clip embedded:shapes32-clip --source red --target blue --templates "a {} circle,a {} square".
// Every prompt (templates, and "a <target>" for the score) is tokenized before training: a word outside a
// model's vocabulary stops the script with its name.
// Prints a Markdown table. Defaults: the fixture generator and tiny CLIP with its vocabulary (a smoke check only).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRuntime, randomNormal, cosineSimilarity, mean, reshape } from '@stylegpu/kernels';
import { preprocessGenerated } from '@stylegpu/clip';
import { loadClip, loadClipTokenizer } from '@stylegpu/clip/node';
import { IMAGENET_TEMPLATES, NadaTrainer, buildObjectives, buildParameterisation, composeWithTemplates, globalClipText, loadNadaGenerator } from '../dist/index.js';

const pkgs = join(import.meta.dirname, '..', '..');
const { values: a } = parseArgs({
  options: {
    ckpt: { type: 'string', default: join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl') },
    clip: { type: 'string' },
    vocab: { type: 'string' },
    templates: { type: 'string' },
    source: { type: 'string', default: 'photo' },
    target: { type: 'string', default: 'sketch' },
    iters: { type: 'string', default: '6' },
    batch: { type: 'string', default: '2' },
    kinds: { type: 'string', default: 'original:all,synthesis,affine,s_delta,affine_plus,affine_light_plus' },
    'kernel-res': { type: 'string' },
    'lr-offsets': { type: 'string', default: '0.05' },
    'lr-weights': { type: 'string', default: '0.002' },
    eval: { type: 'string', default: '8' },
    seed: { type: 'string', default: '0' },
  },
});
const iters = Number(a.iters);
const batch = Number(a.batch);
const seed = Number(a.seed);
const nEval = Number(a.eval);

// The fixture CLIP's vocabulary is the tiny Hugging Face one beside it in the fixtures.
const clipPaths = a.clip ?? join(pkgs, 'clip', 'fixtures', 'clip-tiny-a', 'hf');
const vocab = a.vocab ?? (a.clip === undefined ? join(pkgs, 'clip', 'fixtures', 'hf-tiny') : undefined);
const templates = a.templates ? a.templates.split(',').map((t) => t.trim()).filter(Boolean) : IMAGENET_TEMPLATES;
const badTemplate = templates.find((t) => !t.includes('{}'));
if (badTemplate !== undefined) throw new Error(`--templates: '${badTemplate}' has no {} for the class name`);
const scoreText = globalClipText(a.target);

const rt = await createRuntime();
const clips = [];
for (const p of clipPaths.split(',')) {
  const { model, config } = await loadClip(rt, p);
  const { tokenizer } = await loadClipTokenizer(p, config, { vocab });
  const prompts = [...composeWithTemplates(a.source, templates), ...composeWithTemplates(a.target, templates), scoreText];
  try {
    tokenizer.tokenize(prompts, { truncate: true });
  } catch (e) {
    throw new Error(`${p}: the prompts do not fit its tokenizer (${e.message})${a.templates ? '' : '; give --templates in its vocabulary'}`);
  }
  clips.push({ name: p, model, tokenizer, weight: 1 });
}
const probe = await loadNadaGenerator(rt, a.ckpt);
const kernelRes = a['kernel-res'] ? Number(a['kernel-res']) : Math.min(64, probe.config.imgResolution);
probe.dispose();

/** Per CLIP model: mean over images of cos(E_I(img), E_T("a {target}")), as scalar tensors. */
function clipScore(images) {
  return rt.noGrad(() =>
    rt.tidy(() =>
      clips.map((c) => {
        const t = c.model.encodeText(c.tokenizer.tokenize([scoreText], { truncate: true }));
        const e = c.model.encodeImage(preprocessGenerated(images, { size: c.model.config.vision.imageSize }));
        return mean(cosineSimilarity(e, reshape(t, [1, t.shape[1]])));
      }),
    ),
  );
}

async function score(images) {
  const parts = clipScore(images);
  let s = 0;
  for (const p of parts) {
    s += (await p.item()) * 100;
    p.dispose();
  }
  return s / parts.length;
}

const rows = [];
for (const kind of a.kinds.split(',')) {
  const [name, phase] = kind.split(':');
  const frozen = await loadNadaGenerator(rt, a.ckpt);
  const trainable = await loadNadaGenerator(rt, a.ckpt);
  const param = buildParameterisation(rt, trainable, { name, phase: phase ?? 'all', kernelRes, seed });
  const trainer = new NadaTrainer(rt, frozen, trainable, clips, {
    sourceClass: a.source,
    targetClass: a.target,
    batch,
    seed,
    lr: param.optimizer === 'adam' ? Number(a['lr-offsets']) : Number(a['lr-weights']),
    objectives: buildObjectives([
      { name: 'direction', weight: 1 },
      { name: 'indomain', weight: 0.25 },
    ]),
    parameterisation: param,
    templates,
  });
  const times = [];
  let last = NaN;
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    last = (await trainer.trainStep()).loss;
    times.push(performance.now() - t0);
  }
  const z = randomNormal(rt, [nEval, frozen.config.zDim], { seed: 12345 });
  const { source, target } = trainer.samples(z, 1);
  const shift = (await score(target)) - (await score(source));
  for (const t of [z, source, target]) t.dispose();
  const later = times.slice(1);
  rows.push({ kind, count: param.parameterCount(), ms: later.length ? later.reduce((x, y) => x + y, 0) / later.length : times[0], shift, last });
  trainer.dispose();
  param.dispose();
  frozen.dispose();
  trainable.dispose();
}
const full = rows.find((r) => r.kind.startsWith('original'))?.shift;
console.log(`| parameterisation | parameters trained | step time (ms) | CLIP-score shift | vs full fine-tuning | last loss |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
for (const r of rows) {
  const rel = full ? (r.shift / full).toFixed(2) : '–';
  console.log(`| ${r.kind} | ${r.count} | ${r.ms.toFixed(0)} | ${r.shift.toFixed(3)} | ${rel} | ${r.last.toFixed(4)} |`);
}
console.log(`\n${iters} steps, batch ${batch}, seed ${seed}, kernel offsets at ${kernelRes} px, ${nEval} evaluation latents (ψ = 1), CLIP ${clipPaths}${a.templates ? `, templates ${templates.join(' | ')}` : ''}.`);
for (const c of clips) c.model.dispose();
rt.destroy();
