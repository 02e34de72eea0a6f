/**
 * Captions for the faces world: expression, hair length and colour, eye size, glasses, sometimes skin tone and
 * background. Head size and position are not described.
 */

import { hueName } from './colour.js';
import { WordPicker, article, listPhrase, tercile, words } from './caption-words.js';

// Factor positions (FACES_SCHEMA's order; local to avoid an import cycle with faces-world.ts).
const SKIN = 0;
const HAIR_COLOUR = 1;
const HAIR_LENGTH = 2;
const EYE_SIZE = 3;
const SMILE = 4;
const GLASSES = 5;
const BACKGROUND_HUE = 9;

const HAIR_WORDS = ['black', 'brown', 'blonde', 'red', 'white', 'blue'] as const;

/** The expression a smile value names: below 1/3 frowning, above 2/3 smiling, neutral between. */
export function expressionOf(smile: number): 'frowning' | 'neutral' | 'smiling' {
  return (['frowning', 'neutral', 'smiling'] as const)[tercile(smile)];
}

/** Synonyms per expression; the first is canonical. */
export const EXPRESSION_WORDS = {
  frowning: ['frowning', 'sad', 'unhappy'],
  neutral: ['neutral', 'serious', 'expressionless'],
  smiling: ['smiling', 'happy', 'cheerful'],
} as const;

export const HAIR_LENGTH_WORDS = [['short'], ['medium-length', 'chin-length'], ['long']] as const;
export const EYE_WORDS = [['small'], [''], ['big', 'large']] as const;
export const SKIN_WORDS = ['light', 'medium', 'dark'] as const;

export function facesCaption(f: readonly number[], variant: number): string {
  const pick = new WordPicker(variant);
  const expression = pick.pick(EXPRESSION_WORDS[expressionOf(f[SMILE])]);
  const hair = `${pick.pick(HAIR_LENGTH_WORDS[tercile(f[HAIR_LENGTH])])} ${HAIR_WORDS[f[HAIR_COLOUR]]} hair`;
  const eyes = pick.pick(EYE_WORDS[tercile(f[EYE_SIZE])]);
  const features = [hair];
  if (eyes) features.push(`${eyes} eyes`);
  if (f[GLASSES] === 1) features.push(pick.pick(['glasses', 'round glasses']));
  const withFeatures = `with ${listPhrase(features)}`;
  const skin = SKIN_WORDS[tercile(f[SKIN])];
  const background = hueName(f[BACKGROUND_HUE]);
  const templates = [
    () => words(article(expression), expression, 'face', withFeatures),
    () => words('a cartoon of', article(expression), expression, 'person', withFeatures),
    () => words(article(expression), expression, `${skin}-skinned face`, withFeatures, `on ${article(background)} ${background} background`),
    () => words('a drawing of', article(expression), expression, 'face', withFeatures),
    () => words('a portrait of', article(expression), expression, 'person', withFeatures, `against ${article(background)} ${background} background`),
  ];
  return pick.pick(templates)();
}
