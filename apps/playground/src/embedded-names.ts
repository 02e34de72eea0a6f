/** The models the page uses when the user picks none: the ones shipped in the packages' embedded/ folders. */
export const DEFAULT_MODEL = 'embedded:shapes32';
export const DEFAULT_CLIP = 'embedded:shapes32-clip';
