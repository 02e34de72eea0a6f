/**
 * `@stylegpu/kernels/testing/vitest`: the test helpers that assert with vitest's `expect` or hold a
 * GPU runtime — expectClose, checkOp (forward vs a float64 reference, backward vs finite
 * differences), withVariant, and the one runtime per test file.
 *
 * Why a subpath of its own: these import `vitest`, and `@stylegpu/kernels/testing` (the pure
 * helpers: seeded data, relError, TOLERANCE, finite differences) must not, so that neither the
 * library nor its pure testing entry ever makes vitest a runtime dependency. vitest is an optional
 * peer dependency of @stylegpu/kernels: only a package importing this subpath needs it installed.
 * It runs on the Node entry (Dawn), sharing its modules, so tensors made here are the library's own.
 */
export { testRuntime, destroyTestRuntime } from './test-runtime.js';
export { expectClose } from './expect-close.js';
export { checkOp, type OpCase } from './check-op.js';
export { withVariant } from './with-variant.js';
