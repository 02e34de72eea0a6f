/**
 * This package's `embedded/` folder, resolved from this module's URL: src/ (tests) and dist/ (the
 * built bundle, where this code lands in dist/*.js) both sit one level below the package root.
 * Naming, the STYLEGPU_EMBEDDED_DIR override and reading live in @stylegpu/kernels.
 */
export const EMBEDDED_FOLDER = new URL('../embedded/', import.meta.url);
