/**
 * Checks on the names Airlock hands to git: change paths, branch names and remote names. They arrive from the
 * command line and from incident ids, so they are checked before git sees them: a path must stay inside the
 * repository, nothing may start with `-` (git would read an option), and a branch must be a valid ref name.
 */
import { posix } from 'node:path';
import { GitDeliveryError } from './errors';

/**
 * Normalises repository-relative change paths (`incidents/INC-1.ts`, `dist/inc-1/`) to git's form: forward
 * slashes, no `./`, no trailing slash, sorted and deduplicated so the same change always looks the same.
 */
export function normalizeChangePaths(paths: readonly string[]): string[] {
  if (paths.length === 0) {
    throw new GitDeliveryError('commit', 'no paths were given for the change', 'name the incident file and its dist/ folder');
  }
  const out = new Set<string>();
  for (const raw of paths) {
    const slashed = raw.replace(/\\/g, '/');
    const normal = posix.normalize(slashed).replace(/\/+$/, '');
    if (
      raw.trim() === '' ||
      raw.includes('\0') ||
      posix.isAbsolute(slashed) ||
      /^[A-Za-z]:/.test(slashed) ||
      normal === '.' ||
      normal === '..' ||
      normal.startsWith('../') ||
      normal.split('/').includes('.git')
    ) {
      throw new GitDeliveryError(
        'commit',
        `path '${raw}' is not a file or folder inside the repository`,
        'paths are relative to the repository root, e.g. incidents/INC-1.ts or dist/inc-1/',
      );
    }
    out.add(normal);
  }
  return [...out].sort();
}

/** Git pathspecs that match the paths literally (no globbing of `*` or `[`), from the top of the work tree. */
export function literalPathspecs(paths: readonly string[]): string[] {
  return paths.map((p) => `:(top,literal)${p}`);
}

/**
 * Whether `name` is a branch name git accepts (the rules of `git check-ref-format --branch`), and cannot be
 * mistaken for an option.
 */
export function isValidBranchName(name: string): boolean {
  if (name === '' || name.startsWith('-') || name === '@' || name === 'HEAD') return false;
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

/** Throws a {@link GitDeliveryError} naming the flag when a branch name is not valid. */
export function checkBranchName(name: string, what: string): void {
  if (!isValidBranchName(name)) {
    throw new GitDeliveryError(
      'propose',
      `${what} '${name}' is not a valid git branch name`,
      'letters, digits, `-`, `_`, `.` and `/`, e.g. airlock/inc-1 or main',
    );
  }
}

/** Whether `name` can be a configured remote's name as Airlock passes it to git (never an option or a URL). */
export function isValidRemoteName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(name) && !name.includes('..');
}

/** Throws a {@link GitDeliveryError} when a remote name could be read as an option or is not a plain name. */
export function checkRemoteName(name: string): void {
  if (!isValidRemoteName(name)) {
    throw new GitDeliveryError('propose', `remote '${name}' is not a valid remote name`, 'the name of a configured remote, e.g. origin');
  }
}
