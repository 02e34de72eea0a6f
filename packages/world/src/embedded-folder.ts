/**
 * This package's `embedded/` folder, resolved from this module's URL: src/ (tests) and dist/ (the
 * built bundle, where this code lands in dist/*.js) both sit one level below the package root.
 * Naming, the STYLEGPU_EMBEDDED_DIR override and reading live in @stylegpu/io.
 */
// Not the literal `new URL('../embedded/', import.meta.url)`: bundlers take that pattern for an
// asset to emit, and Vite's dev server rewrites it to the folder's path without its trailing '/',
// so every file then resolved one level too high. A variable leaves the URL to the runtime.
const FOLDER = '../embedded/';
export const EMBEDDED_FOLDER = new URL(FOLDER, import.meta.url);
