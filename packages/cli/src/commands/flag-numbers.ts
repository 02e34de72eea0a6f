/** Numeric flags checked into CliErrors of the CLI's shape (`<command> --<flag> '<text>': not …; give …`). */
import { CliError } from '../cli-error.js';

export function numberFlag(what: string, text: string, ok: (v: number) => boolean, kind: string, todo: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !ok(v)) throw new CliError(what, `'${text}'`, `not ${kind}`, todo);
  return v;
}

export const positiveIntegerFlag = (what: string, text: string, todo: string) => numberFlag(what, text, (v) => Number.isInteger(v) && v >= 1, 'a positive integer', todo);
export const nonNegativeIntegerFlag = (what: string, text: string, todo: string) => numberFlag(what, text, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer', todo);
export const positiveNumberFlag = (what: string, text: string, todo: string) => numberFlag(what, text, (v) => v > 0, 'a positive number', todo);
