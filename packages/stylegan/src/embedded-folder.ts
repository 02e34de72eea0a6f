/**
 * The package's `embedded/` folder, resolved from this module's URL: src/ (tests) and dist/ (the
 * built bundle, where this code lands in dist/*.js) both sit one level below the package root.
 */
export const EMBEDDED_FOLDER = new URL('../embedded/', import.meta.url);
