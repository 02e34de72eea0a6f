/**
 * flattenStateDict: turn an unpickled checkpoint tree into `Map<'a.b.c', HostTensor>`, the names PyTorch's
 * `module.state_dict()` would give.
 *
 * Three shapes of tree hold tensors:
 * - dicts (Maps) of tensors and dicts, as `torch.save({'g_ema': G.state_dict(), …})` writes: keys join with '.';
 * - module state with `_parameters`, `_buffers`, `_modules` (NVIDIA's PersistentModule, or any pickled nn.Module
 *   state): like `state_dict()`, a module contributes its parameters, then its buffers except those in
 *   `_non_persistent_buffers_set`, then each child module under the child's name; None entries are skipped;
 * - TorchScript objects, whose state holds parameters, buffers and submodules as plain attributes: tensors first
 *   (in attribute order), then submodules, matching `state_dict()` order for the usual module layouts. A tensor
 *   attribute that is neither a parameter nor a buffer would also appear (TorchScript pickles do not say which is
 *   which; that lives in the archive's code/).
 * Lists and tuples are walked with their index as the key. Other leaves (numbers, strings, None) are ignored.
 */

import { type HostTensor } from '../host-tensor.js';
import { PickledObject } from './pickle.js';
import { NumpyArray, PersistentModule } from './torch-globals.js';
import { TorchTensor } from './storage.js';

/**
 * Containers nested deeper than this are refused (real checkpoints nest a few dozen levels); the walk is
 * recursive, and a pickle can nest 100 000 lists in 200 kB.
 */
export const MAX_STATE_DEPTH = 1000;
/**
 * Most containers and tensors one flatten may visit, and most values it may look at. The memo lets a pickle share
 * one container many times, so `x = (x, x)` repeated 60 times is a 120-byte pickle with 2^60 paths; a walk that
 * follows every path never ends. Real checkpoints visit each container once, tied weights twice.
 */
export const MAX_STATE_VISITS = 1_000_000;
export const MAX_STATE_VALUES = 100_000_000;

const ROOT = Symbol('root');

export function flattenStateDict(tree: unknown, prefix = ''): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const onPath = new Set<unknown>(); // guards against reference cycles (the memo can make them)
  let visits = 0;
  let values = 0;
  const shortName = (name: string) => (name.length > 120 ? `${name.slice(0, 120)}…` : name);

  // A value's name is built only when it is an object: most leaves of a big list are numbers.
  const visit = (value: unknown, parent: string, key: unknown): void => {
    if (++values > MAX_STATE_VALUES) {
      throw new Error(
        `torch: walking the checkpoint looks at more than ${MAX_STATE_VALUES} values (under '${shortName(parent)}'); ` +
          'shared references repeat containers along many paths, which a real checkpoint does not do',
      );
    }
    if (value === null || typeof value !== 'object' || onPath.has(value)) return;
    const name = key === ROOT ? parent : parent === '' ? String(key) : `${parent}.${String(key)}`;
    if (++visits > MAX_STATE_VISITS) {
      throw new Error(
        `torch: walking the checkpoint visits more than ${MAX_STATE_VISITS} containers and tensors (at '${shortName(name)}'); ` +
          'shared references repeat containers along many paths, which a real checkpoint does not do',
      );
    }
    if (value instanceof TorchTensor || value instanceof NumpyArray) {
      out.set(name, value);
      return;
    }
    if (onPath.size >= MAX_STATE_DEPTH) {
      throw new Error(`torch: the checkpoint nests containers more than ${MAX_STATE_DEPTH} deep (at '${shortName(name)}'); refusing to walk it`);
    }
    onPath.add(value);
    if (value instanceof PersistentModule) {
      visitModuleState(value.state, name);
    } else if (value instanceof PickledObject) {
      const state = value.state instanceof Map ? value.state : value.dictItems;
      if (state && isModuleState(state)) visitModuleState(state, name);
      else if (state) visitAttributes(state, name);
    } else if (value instanceof Map) {
      if (isModuleState(value)) visitModuleState(value, name);
      else for (const [k, v] of value) visit(v, name, k);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], name, i);
    }
    onPath.delete(value);
  };

  const visitModuleState = (state: Map<unknown, unknown>, name: string): void => {
    const params = state.get('_parameters');
    const buffers = state.get('_buffers');
    const modules = state.get('_modules');
    const nonPersistent = state.get('_non_persistent_buffers_set');
    if (params instanceof Map) for (const [k, t] of params) if (t !== null) visit(t, name, k);
    if (buffers instanceof Map) {
      for (const [k, t] of buffers) {
        if (t !== null && !(nonPersistent instanceof Set && nonPersistent.has(k))) visit(t, name, k);
      }
    }
    if (modules instanceof Map) for (const [k, m] of modules) if (m !== null) visit(m, name, k);
  };

  const visitAttributes = (state: Map<unknown, unknown>, name: string): void => {
    const nested: Array<[unknown, unknown]> = [];
    for (const [k, v] of state) {
      if (v instanceof TorchTensor || v instanceof NumpyArray) visit(v, name, k);
      else nested.push([k, v]);
    }
    for (const [k, v] of nested) visit(v, name, k);
  };

  visit(tree, prefix, ROOT); // names start from `prefix` ('' gives bare keys; a lone root tensor is named `prefix`)
  return out;
}

function isModuleState(state: Map<unknown, unknown>): boolean {
  return state.get('_parameters') instanceof Map && state.get('_modules') instanceof Map;
}
