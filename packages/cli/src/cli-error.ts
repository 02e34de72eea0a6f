/**
 * The one shape every refusal of the CLI takes, printed as a single stderr line:
 *
 *   stylegpu: <what> <subject>: <why>; <what to do>
 *
 * e.g. `stylegpu: generate --network ffhq.pkl: no such file; check the path`. `what` names the
 * command and flag, `subject` the path or value given.
 */
export class CliError extends Error {
  constructor(
    readonly what: string,
    readonly subject: string,
    readonly why: string,
    readonly todo: string,
  ) {
    super(`${subject ? `${what} ${subject}` : what}: ${oneLine(why)}; ${oneLine(todo)}`);
    this.name = 'CliError';
  }
}

/** Collapses line breaks and runs of blanks, so a wrapped library message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/[ \t]{2,}/g, ' ').trim();
}

/** What a Node file-system error means, in words (no errno codes). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'EEXIST':
      return 'already exists';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ELOOP':
      return 'too many symbolic links (a link loop?)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return oneLine((e as Error)?.message ?? String(e));
  }
}

/** The error line for anything thrown: CliErrors as they are; Node file errors in words, with their path. */
export function errorLine(err: unknown): string {
  if (err instanceof CliError) return `stylegpu: ${err.message}`;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.path === 'string') {
    return `stylegpu: ${e.path}: ${fsReason(e)}; check the path and its permissions`;
  }
  return `stylegpu: ${oneLine(err instanceof Error ? err.message : String(err))}`;
}
