/**
 * Alert rules: which detector alerts `airlock serve` turns into containment, and how. Tried in order, first
 * match wins — so the drastic rules (break-glass) come before the broad ones. Playbooks are named by their
 * export name in policies/playbooks.ts; a name that does not exist stops the server at start-up.
 */
import { defineAlertRules } from '../src/intake/rules';

export default defineAlertRules({
  // Alerts on the same pod (or workload) and playbook within an hour of the incident opening join it.
  dedupWindowMinutes: 60,
  owner: 'sre-oncall',
  rules: [
    {
      // A miner burns money and reaches out by name: isolate without DNS and block the image by digest.
      name: 'cryptominer',
      match: { rule: [/crypto ?min(er|ing)/i, 'Detect outbound connections to common miner pool ports'], minPriority: 'warning' },
      action: { playbook: 'cryptominer', severity: 'critical', breakGlass: true, expiresAfterHours: 168 },
    },
    {
      // Anything Falco calls critical or worse cannot wait for a review: commit straight to main.
      name: 'critical shell',
      match: { rule: 'Terminal shell in container', minPriority: 'critical' },
      action: { playbook: 'isolatePod', severity: 'critical', breakGlass: true, expiresAfterHours: 72 },
    },
    {
      name: 'terminal shell',
      match: { rule: 'Terminal shell in container', minPriority: 'notice', namespaces: { exclude: [/^dev-/] } },
      action: { playbook: 'isolatePod', expiresAfterHours: 72 },
    },
    {
      name: 'exfiltration',
      match: { rule: [/exfiltration/i, 'Unexpected outbound connection destination'], minPriority: 'error' },
      action: { playbook: 'exfiltration', severity: 'high', expiresAfterHours: 72 },
    },
  ],
});
