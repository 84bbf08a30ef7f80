/**
 * `airlock label <ID> [--context NAME] [--dry-run] [--restore]`: the explicit step that contains a single pod —
 * apply the quarantine label (and, for `detach: true`, move the owner's and Services' selector labels to an
 * annotation) to each pod the incident isolates by name — or undo it. Each change is recorded in git.
 */
import { Command } from 'commander';
import { UsageError } from '../../errors';
import type * as Kubernetes from '../../kubernetes';
import type { LabelOutcome } from '../../kubernetes';
import type * as ProjectLoader from '../../project/load-project';
import type * as Record_ from '../../git/record-event';
import { output, projectRoot } from '../context';

interface LabelOptions {
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly dryRun?: boolean;
  readonly restore?: boolean;
  readonly record: boolean;
  readonly json?: boolean;
}

function describeOutcome(o: LabelOutcome): string {
  const verb = o.dryRun ? 'would patch' : o.changed ? 'patched' : 'unchanged';
  return `${o.namespace}/${o.pod} (${o.context}): ${verb}${o.patch ? `\n  ${JSON.stringify(o.patch)}` : ''}\n`;
}

/** The `label` command. */
export function labelCommand(): Command {
  return new Command('label')
    .description('apply (or with --restore remove) the quarantine label, and the detachment where declared, on the live pods an incident isolates by name; recorded in git')
    .argument('<ID>', 'incident id')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--dry-run', 'print the patches; change nothing and record nothing')
    .option('--restore', 'remove the quarantine label and restore the labels detachment moved away')
    .option('--no-record', 'do not record the change as a commit on the base branch')
    .option('--json', 'print the outcomes as JSON')
    .action(async (id: string, opts: LabelOptions, command: Command) => {
      const root = projectRoot(command);
      const { loadProject } = require('../../project/load-project') as typeof ProjectLoader;
      const project = loadProject(root);
      const incident = project.incidents.find((i) => i.slug === id.toLowerCase());
      if (!incident) throw new UsageError(`no incident "${id}" in incidents/; accepted: ${project.incidents.map((i) => i.id).join(', ') || '(none)'}`);
      const pods = incident.actions.flatMap((a) =>
        a.kind === 'isolatePod' ? [{ namespace: a.namespace, pod: a.pod, detach: a.detach === true }] : a.kind === 'restrictEgress' && a.pod !== undefined ? [{ namespace: a.namespace, pod: a.pod, detach: false }] : [],
      );
      if (pods.length === 0) throw new UsageError(`incident ${incident.id} isolates no pod by name; only isolate({ namespace, pod }) and restrictEgress({ namespace, pod }) need a label`);
      if (!opts.restore && incident.status !== 'active') throw new UsageError(`incident ${incident.id} is ${incident.status}; label only active incidents (use --restore to undo)`);

      const k8s = require('../../kubernetes') as typeof Kubernetes;
      const connection = k8s.loadKubeconfig({ ...(opts.context ? { context: opts.context } : {}), ...(opts.kubeconfig ? { file: opts.kubeconfig } : {}) });
      const client = new k8s.KubernetesClient(connection);
      const outcomes: LabelOutcome[] = [];
      for (const p of pods) {
        const request = { namespace: p.namespace, pod: p.pod, incidentId: incident.id, dryRun: opts.dryRun === true };
        outcomes.push(opts.restore ? await k8s.restorePod(client, request) : await k8s.quarantinePod(client, { ...request, detach: p.detach }));
      }

      let recorded: string | undefined;
      const changed = outcomes.filter((o) => o.changed);
      if (opts.record && changed.length > 0) {
        const { recordEvent } = require('../../git/record-event') as typeof Record_;
        const action = opts.restore ? 'restore' : 'label';
        recorded = await recordEvent({
          cwd: root,
          remote: project.settings.git.remote,
          base: project.settings.git.base,
          subject: `incident(${incident.id}): ${action} ${changed.map((o) => `${o.namespace}/${o.pod}`).join(', ')} on ${connection.context}`,
          body: changed.map((o) => `${o.namespace}/${o.pod} at resourceVersion ${o.resourceVersion}: ${JSON.stringify(o.patch)}`).join('\n'),
          trailers: { incident: incident.id, action, severity: incident.severity },
        });
      }
      output(opts.json, { incident: incident.id, outcomes, ...(recorded ? { recorded } : {}) }, () => outcomes.map(describeOutcome).join('') + (recorded ? `recorded as ${recorded.slice(0, 12)} on ${project.settings.git.remote}/${project.settings.git.base}\n` : ''));
    });
}
