/**
 * `airlock analyze <path...>`: the connections an inventory's NetworkPolicies and (Baseline)AdminNetworkPolicies
 * allow, in the netpol-analyzer's format. Thin: loading, evaluation and formatting live in src/analysis.
 */
import { Command } from 'commander';
import { UsageError } from '../../errors';
import type * as Connlist from '../../analysis/connlist';
import type * as Engine from '../../analysis/engine';
import type * as InventoryLoader from '../../analysis/inventory';

interface AnalyzeOptions {
  readonly format: string;
  readonly json?: boolean;
  readonly focusWorkload?: string[];
  readonly focusWorkloadPeer?: string[];
  readonly focusDirection?: string;
  readonly ipv6?: boolean;
}

/** The `analyze` command. Errors are thrown (AirlockError) for the CLI root to print once. */
export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('list the connections allowed by the NetworkPolicies and AdminNetworkPolicies of an inventory (manifest files or directories)')
    .argument('<path...>', 'manifest files or directories (.yaml, .yml, .json; read recursively), e.g. the output of `kubectl get pods,deploy,netpol,ns -A -o yaml`')
    .option('--format <format>', 'output format: txt or json', 'txt')
    .option('--json', 'same as --format json')
    .option('--focus-workload <name...>', 'only connections of these workloads (name or namespace/name)')
    .option('--focus-workload-peer <name...>', 'with --focus-workload: only connections with these workloads at the other end')
    .option('--focus-direction <direction>', 'with --focus-workload: ingress (into them) or egress (out of them)')
    .option('--ipv6', 'also list IPv6 external ranges (the netpol-analyzer lists IPv4 only)')
    .action((paths: string[], opts: AnalyzeOptions) => {
      const format = opts.json ? 'json' : opts.format;
      if (format !== 'txt' && format !== 'json') throw new UsageError(`--format is "${format}"; accepted: txt, json`);
      if (opts.focusDirection !== undefined && opts.focusDirection !== 'ingress' && opts.focusDirection !== 'egress') {
        throw new UsageError(`--focus-direction is "${opts.focusDirection}"; accepted: ingress, egress`);
      }
      if ((opts.focusWorkloadPeer || opts.focusDirection) && !opts.focusWorkload) {
        throw new UsageError('--focus-workload-peer and --focus-direction need --focus-workload');
      }
      // Loaded on use, so other commands start fast.
      const { connectionList, formatConnlistJson, formatConnlistText } = require('../../analysis/connlist') as typeof Connlist;
      const { PolicyEngine } = require('../../analysis/engine') as typeof Engine;
      const { loadInventory } = require('../../analysis/inventory') as typeof InventoryLoader;
      const inventory = loadInventory(paths);
      for (const note of inventory.notes) process.stderr.write(`note: ${note.file}: ${note.message}\n`);
      const entries = connectionList(new PolicyEngine(inventory), {
        focusWorkloads: opts.focusWorkload,
        focusWorkloadPeers: opts.focusWorkloadPeer,
        focusDirection: opts.focusDirection as 'ingress' | 'egress' | undefined,
        ipFamilies: opts.ipv6 ? ['IPv4', 'IPv6'] : ['IPv4'],
      });
      process.stdout.write(format === 'json' ? formatConnlistJson(entries) : formatConnlistText(entries));
    });
}
