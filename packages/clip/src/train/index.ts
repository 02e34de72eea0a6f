// Training a CLIP from scratch: initialisation, a word-level tokenizer, the contrastive loss, the trainer, zero-shot scoring.
export { CLIP_LOGIT_SCALE_INIT, initClipWeights } from './init-weights.js';
export { seededRandom, type SeededRandom } from './seeded-random.js';
export { splitWords, WordTokenizer, type WordTokenizeOptions, type WordVocabularyJson } from './word-tokenizer.js';
export { clipContrastiveLoss, contrastiveLogits, CLIP_LOGIT_SCALE_MAX } from './contrastive-loss.js';
export { ClipTrainer, type ClipStepResult, type ClipTrainerOptions } from './clip-trainer.js';
export { classificationAccuracy, ensembleClassFeatures, zeroShotClassify, zeroShotPredict, type ZeroShotResult } from './zero-shot.js';
