/**
 * `airlock status [ID] [--context NAME] [--json]`: what the cluster says about an incident's containment — the
 * evidence capture's result and each post-sync enforcement probe's verdict, read from the result ConfigMaps the
 * Jobs write (src/synth/evidence/status-contract.ts). A policy object existing is not proof; the probe is.
 */
import { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors';
import type * as Kubernetes from '../../kubernetes';
import type * as ProjectLoader from '../../project/load-project';
import type * as Contract from '../../synth/evidence/status-contract';
import { output, projectRoot } from '../context';
import { table } from './list';

interface StatusOptions {
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly json?: boolean;
}

interface ResultConfigMap {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly data?: Record<string, string>;
}

/** One row: an incident's action and what its Job reported. */
interface StatusRow {
  readonly incident: string;
  readonly action: number;
  readonly kind: 'evidence' | 'probe';
  /** `pending`, `unreadable`, an evidence status or a probe verdict. */
  readonly result: string;
  readonly at: string;
  readonly detail: string;
}

/** The `status` command; exit 4 when a probe found containment not enforced. */
export function statusCommand(setExit: (code: number) => void): Command {
  return new Command('status')
    .description('read the evidence capture results and post-sync enforcement probe verdicts of active incidents from the cluster')
    .argument('[ID]', 'only this incident')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--json', 'print as JSON')
    .action(async (id: string | undefined, opts: StatusOptions, command: Command) => {
      const { loadProject } = require('../../project/load-project') as typeof ProjectLoader;
      const project = loadProject(projectRoot(command));
      const incidents = project.incidents.filter((i) => i.status === 'active' && (id === undefined || i.slug === id.toLowerCase()));
      if (id !== undefined && incidents.length === 0) throw new UsageError(`no active incident "${id}"; accepted: ${project.incidents.filter((i) => i.status === 'active').map((i) => i.id).join(', ') || '(none)'}`);
      const k8s = require('../../kubernetes') as typeof Kubernetes;
      const contract = require('../../synth/evidence/status-contract') as typeof Contract;
      const client = new k8s.KubernetesClient(k8s.loadKubeconfig({ ...(opts.context ? { context: opts.context } : {}), ...(opts.kubeconfig ? { file: opts.kubeconfig } : {}) }));
      const namespace = project.settings.evidence?.namespace ?? 'airlock-system';
      const rows: StatusRow[] = [];
      for (const incident of incidents) {
        const selector = encodeURIComponent(`airlock.dev/incident=${incident.id}`);
        const list = await client.get<{ items?: ResultConfigMap[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps?labelSelector=${selector}`);
        for (const cm of list.items ?? []) {
          const kind = cm.metadata.labels?.[contract.RESULT_LABEL];
          const action = Number(cm.metadata.labels?.[contract.ACTION_INDEX_LABEL]);
          if (kind === contract.RESULT_KINDS.evidence) {
            const r = contract.readEvidenceResult(cm.data);
            rows.push({ incident: incident.id, action, kind: 'evidence', result: r.state === 'written' ? r.status : r.state, at: r.state === 'written' ? r.capturedAt : '', detail: r.state === 'written' ? `${r.files} files at ${r.location}${r.failedSteps.length ? `; failed: ${r.failedSteps.join(' ')}` : ''}` : r.state === 'unreadable' ? r.reason : '' });
          } else if (kind === contract.RESULT_KINDS.probe) {
            const r = contract.readProbeResult(cm.data);
            rows.push({ incident: incident.id, action, kind: 'probe', result: r.state === 'written' ? r.verdict : r.state, at: r.state === 'written' ? r.checkedAt : '', detail: r.state === 'written' ? r.checks.join('; ') : r.state === 'unreadable' ? r.reason : '' });
          }
        }
      }
      rows.sort((a, b) => (a.incident === b.incident ? a.action - b.action : a.incident < b.incident ? -1 : 1));
      output(opts.json, rows, () =>
        rows.length === 0
          ? `no evidence or probe results in namespace ${namespace} yet (the Jobs write them when Argo CD syncs)\n`
          : table([['INCIDENT', 'ACTION', 'KIND', 'RESULT', 'AT', 'DETAIL'], ...rows.map((r) => [r.incident, String(r.action), r.kind, r.result, r.at || '-', r.detail])]),
      );
      if (rows.some((r) => r.kind === 'probe' && r.result === 'not-enforced')) setExit(ExitCode.ineffective);
    });
}
