// Section 2: StyleGAN-NADA (the library's NadaTrainer, as `stylegpu adapt nada` drives it) turning the
// embedded generator's objects from red to blue, guided by the embedded word-level CLIP. Measured on
// fixed seeds before and after: the CLIP score gap (mean cos to the target prompt minus to the source
// prompt) and, with the factor predictor, the predicted object hue and colour names.
import { join } from 'node:path';
import { randomStateRandn, Generator } from '@stylegpu/stylegan';
import { loadClip, preprocessGenerated } from '@stylegpu/clip/node';
import { NadaTrainer, classTextEmbedding, composeWithTemplates, globalClipText } from '@stylegpu/adapt';
import { SHAPE_NAMES, SHAPES_FACTOR } from '@stylegpu/world';
import { loadPredictor } from '@stylegpu/world/predictor';
import { CLIP, GENERATOR, PREDICTOR } from './embedded.mjs';
import { imagesToRasters, writeGridPng } from './images.mjs';
import { clipScoreGap, hueSummary } from './measures.mjs';
import { trainerTokenizer, unknownWords } from './word-prompts.mjs';

const SOURCE = 'red';
const TARGET = 'blue';
/** The small CLIP learnt "a <colour> <shape>" from its captions; NADA's ImageNet templates use words it never saw. */
const TEMPLATES = SHAPE_NAMES.map((shape) => `a {} ${shape}`);
const STEPS = 80;
const BATCH = 4;
// On embedded:shapes32 (61 kimg), 80 steps: lr 0.005 barely moves it (CLIP gap shift +0.29, hue 6° → 31°),
// 0.02 turns the images to noise (shift +0.76, objects gone); 0.01 moves the gap +0.59 and the hue 6° → 66°.
const LR = 0.01;
const EVAL_SEEDS = Array.from({ length: 32 }, (_, i) => 1000 + i);

export async function nadaSection({ rt, out, predictorMissing }) {
  const { model: clip, tokenizer: words } = await loadClip(rt, CLIP);
  const frozen = await Generator.load(rt, GENERATOR);
  const trainable = await Generator.load(rt, GENERATOR);
  const noPredictor = predictorMissing();
  const predictor = noPredictor ? null : await loadPredictor(rt, PREDICTOR);
  let trainer = null;
  const kept = [];
  try {
    const prompts = [SOURCE, TARGET].flatMap((c) => composeWithTemplates(c, TEMPLATES)).concat(globalClipText(TARGET));
    const missing = unknownWords(words, prompts);
    if (missing.length) {
      console.log(`  skipped: the CLIP's vocabulary (${words.words.length} words) lacks ${missing.join(', ')}, used by the prompts`);
      return;
    }
    const contextLength = clip.config.text.contextLength;
    const size = clip.config.vision.imageSize;
    const encode = (texts) => clip.encodeText(words.tokenize(texts, { contextLength }));
    const [targetText, sourceText] = await Promise.all(
      [TARGET, SOURCE].map(async (c) => {
        const t = rt.noGrad(() => rt.tidy(() => classTextEmbedding(encode, c, TEMPLATES)));
        kept.push(t);
        return t.read();
      }),
    );
    const D = clip.config.embedDim;
    const zDim = frozen.config.zDim;
    const z = new Float32Array(EVAL_SEEDS.length * zDim);
    EVAL_SEEDS.forEach((s, i) => z.set(randomStateRandn(s, zDim), i * zDim));
    const ws = rt.keep(rt.noGrad(() => rt.tidy(() => frozen.mapping(rt.tensor(z, [EVAL_SEEDS.length, zDim])))));
    kept.push(ws);

    // What CLIP and the predictor see in one generator's images of the evaluation seeds.
    const measure = async (G) => {
      const images = rt.keep(rt.noGrad(() => rt.tidy(() => G.synthesis(ws, { noiseMode: 'const' }))));
      try {
        const feats = rt.noGrad(() => rt.tidy(() => clip.encodeImage(preprocessGenerated(images, { size }))));
        const gap = clipScoreGap(await feats.read(), targetText, sourceText, D);
        feats.dispose();
        const hues = predictor ? (await predictor.predictFactors(images)).map((r) => r[SHAPES_FACTOR.hue]) : null;
        return { gap, hues: hues && hueSummary(hues, [SOURCE, TARGET]), pixels: await images.read() };
      } finally {
        images.dispose();
      }
    };

    const before = await measure(frozen);
    trainer = new NadaTrainer(rt, frozen, trainable, [{ name: 'shapes32-clip', model: clip, tokenizer: trainerTokenizer(words, contextLength), weight: 1 }], {
      sourceClass: SOURCE,
      targetClass: TARGET,
      templates: TEMPLATES,
      batch: BATCH,
      lr: LR,
      seed: 2,
    });
    const t = performance.now();
    const losses = [];
    for (let i = 0; i < STEPS; i++) losses.push((await trainer.trainStep()).loss);
    const s = (performance.now() - t) / 1000;
    const after = await measure(trainable);

    console.log(`  "${SOURCE}" → "${TARGET}", text direction over ${TEMPLATES.length} templates ("${TEMPLATES[0]}", …)`);
    console.log(`  ${STEPS} steps of ${BATCH} images, lr ${LR}, phase default: ${s.toFixed(1)} s (${(STEPS / s).toFixed(2)} steps/s); directional loss ${mean(losses.slice(0, 5)).toFixed(4)} (first 5) → ${mean(losses.slice(-5)).toFixed(4)} (last 5)`);
    console.log(`  CLIP score gap cos(img, "${TARGET}") − cos(img, "${SOURCE}"), mean over ${EVAL_SEEDS.length} seeds: ${signed(before.gap)} → ${signed(after.gap)} (shift ${signed(after.gap - before.gap)})`);
    if (before.hues) {
      const b = before.hues;
      const a = after.hues;
      console.log(`  predictor: mean object hue ${degrees(b.meanHue)} → ${degrees(a.meanHue)}; ` +
        `share "${TARGET}" ${percent(b.share[TARGET])} → ${percent(a.share[TARGET])}, share "${SOURCE}" ${percent(b.share[SOURCE])} → ${percent(a.share[SOURCE])}`);
    } else {
      console.log(`  predictor part ${noPredictor}`);
    }
    const R = frozen.config.imgResolution;
    for (const [name, m] of [['nada-before.png', before], ['nada-after.png', after]]) {
      writeGridPng(join(out, name), imagesToRasters(m.pixels, EVAL_SEEDS.length, R), { cols: 8 });
    }
    console.log(`  → ${join(out, 'nada-before.png')}, ${join(out, 'nada-after.png')} (seeds ${EVAL_SEEDS[0]}–${EVAL_SEEDS.at(-1)})`);
  } finally {
    trainer?.dispose();
    for (const t of kept) t.dispose();
    predictor?.dispose();
    trainable.dispose();
    frozen.dispose();
    clip.dispose();
  }
}

const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
const percent = (x) => `${(100 * x).toFixed(0)}%`;
const degrees = (turns) => `${(turns * 360).toFixed(0)}°`;
