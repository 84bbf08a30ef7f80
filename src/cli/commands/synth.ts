/** `airlock synth [--check] [--no-cache] [--json]`: incidents → `dist/`, or the CI drift check. */
import { Command } from 'commander';
import { ExitCode } from '../../errors';
import type * as SynthProject from '../../synth/synth-project';
import { output, plural, projectRoot } from '../context';

interface SynthOptions {
  readonly check?: boolean;
  readonly json?: boolean;
  /** False with `--no-cache`. */
  readonly cache: boolean;
}

/** The `synth` command; resolves to its exit code. */
export function synthCommand(setExit: (code: number) => void): Command {
  return new Command('synth')
    .description('validate every incident and synthesize the containment manifests into dist/')
    .option('--check', `write nothing; exit ${ExitCode.drift} and list the files when dist/ differs from what would be synthesized (CI drift check)`)
    .option('--no-cache', 'compare every file of dist/ and rewrite what differs, even a file edited in place (see README: caching)')
    .option('--json', 'print the result as JSON')
    .action((opts: SynthOptions, command: Command) => {
      // Loaded on use: cdk8s and the charts are not needed to print --help or run other commands.
      const { synthProject } = require('../../synth/synth-project') as typeof SynthProject;
      const result = synthProject(projectRoot(command), { check: opts.check, cache: opts.cache });
      const { diff } = result;
      const drift = opts.check && !result.clean;
      output(
        opts.json,
        { check: Boolean(opts.check), clean: result.clean, activeIncidents: result.active, added: diff.added, changed: diff.changed, removed: diff.removed },
        () => {
          const lines = [...diff.added.map((f) => `  + ${f}`), ...diff.changed.map((f) => `  ~ ${f}`), ...diff.removed.map((f) => `  - ${f}`)];
          if (opts.check) {
            return result.clean
              ? `dist/ is up to date (${plural(result.active, 'active incident')})\n`
              : `dist/ differs from what the incidents synthesize to; run \`airlock synth\` and commit dist/:\n${lines.join('\n')}\n`;
          }
          return result.clean
            ? `dist/ already up to date (${plural(result.active, 'active incident')})\n`
            : `synthesized ${plural(result.active, 'active incident')} into dist/ (${plural(diff.folders.length, 'folder')} changed)\n${lines.join('\n')}\n`;
        },
      );
      if (drift) setExit(ExitCode.drift);
    });
}
