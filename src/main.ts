/**
 * The cdk8s app that `cdk8s.yaml` runs: the same synthesis as `airlock synth`, into `CDK8S_OUTDIR` (which
 * `cdk8s synth` sets to the configured output, `dist`), so both commands produce the same bytes.
 */
import * as path from 'node:path';
import { AirlockError } from './errors';
import { synthProject } from './synth/synth-project';

// cdk8s runs the app from the project root (where cdk8s.yaml is).
const root = process.cwd();
try {
  synthProject(root, { outdir: path.resolve(process.env.CDK8S_OUTDIR ?? path.join(root, 'dist')) });
} catch (e) {
  if (!(e instanceof AirlockError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exitCode = e.exitCode;
}
