/**
 * `airlock plan [ID...] --inventory PATH [--json | --markdown]`: proves, from a cluster snapshot, whether each
 * action's containment is effective, before it is merged (Terraform's plan-then-apply habit).
 */
import { Command } from 'commander';
import { UsageError } from '../../errors';
import type * as InventoryLoader from '../../analysis/inventory';
import type * as PlanModule from '../../analysis/plan';
import type * as PlanJson from '../../analysis/plan-json';
import type * as PlanMarkdown from '../../analysis/plan-markdown';
import type * as PlanText from '../../analysis/plan-text';
import type * as ProjectLoader from '../../project/load-project';
import type * as PlanIncidents from '../../workflow/plan-incidents';
import { projectRoot } from '../context';

interface PlanOptions {
  readonly inventory?: string[];
  readonly cluster?: string;
  readonly compare: boolean;
  readonly json?: boolean;
  readonly markdown?: boolean;
}

/** The `plan` command; `setExit` carries exit code 4 when an action is ineffective or refused. */
export function planCommand(setExit: (code: number) => void): Command {
  return new Command('plan')
    .description('show, from a cluster snapshot, what each active incident selects (blast radius), its reachability before and after, and whether the containment is effective')
    .argument('[ID...]', 'incidents to plan (default: every active incident)')
    .option('--inventory <path...>', 'cluster snapshot: manifest files or directories, e.g. the output of `kubectl get ns,pods,deploy,rs,sts,ds,netpol,adminnetworkpolicies -A -o yaml`')
    .option('--cluster <name>', 'the cluster the inventory comes from, when policies/settings.ts declares several')
    .option('--no-compare', 'do not evaluate the other enforcement backends')
    .option('--json', 'one JSON object per action: incident, action, targets, effective, residual, warnings, runningImages (image blocks), and each backend\'s verdict')
    .option('--markdown', 'the pull-request body: summary table, blast radius, before/after and a Mermaid graph')
    .action((ids: string[], opts: PlanOptions, command: Command) => {
      if (!opts.inventory?.length) throw new UsageError('--inventory PATH is required: a snapshot of the cluster (kubectl get … -A -o yaml)');
      if (opts.json && opts.markdown) throw new UsageError('--json and --markdown exclude each other');
      // Loaded on use, so other commands start fast.
      const { loadProject } = require('../../project/load-project') as typeof ProjectLoader;
      const { loadClusterSnapshot } = require('../../analysis/inventory') as typeof InventoryLoader;
      const { actionVerdict, clusterSettings, compareBackends, formatBackendsMarkdown, formatBackendsText, planIncidents, selectIncidents } = require('../../workflow/plan-incidents') as typeof PlanIncidents;
      const { planExitCode } = require('../../analysis/plan') as typeof PlanModule;
      const project = loadProject(projectRoot(command));
      const incidents = selectIncidents(project, ids);
      const inventory = loadClusterSnapshot(opts.inventory);
      for (const note of inventory.notes) process.stderr.write(`note: ${note.file}: ${note.message}\n`);
      const settings = clusterSettings(project, opts.cluster);
      const plans = planIncidents(project, incidents, inventory, settings);
      const comparisons = opts.compare ? incidents.map((incident) => ({ incident, outcomes: compareBackends(project, incident, inventory, settings) })) : [];
      if (opts.json) {
        const { planToJson } = require('../../analysis/plan-json') as typeof PlanJson;
        const rows = plans.flatMap((plan, k) =>
          planToJson(plan).map((row, i) => {
            const comparison = comparisons[k];
            const index = plan.actions[i].index;
            return comparison ? { ...row, backends: Object.fromEntries(comparison.outcomes.map((o) => [o.backend, actionVerdict(o, index)])) } : row;
          }),
        );
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else if (opts.markdown) {
        process.stdout.write((require('../../analysis/plan-markdown') as typeof PlanMarkdown).formatPlanMarkdown(plans));
        for (const c of comparisons) process.stdout.write(`\n${formatBackendsMarkdown(c.incident, c.outcomes, settings.backend)}`);
      } else {
        const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
        process.stdout.write((require('../../analysis/plan-text') as typeof PlanText).formatPlanText(plans, { color }));
        process.stdout.write(`\n${comparisons.map((c) => formatBackendsText(c.incident, c.outcomes, settings.backend)).join('')}`);
      }
      setExit(planExitCode(plans));
    });
}
