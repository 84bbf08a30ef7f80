/**
 * `gitops` in `policies/settings.ts` (which controllers a break-glass push notifies) and its validation. Apart
 * from notify.ts so that validating the settings, which every `synth` does, does not load the HTTP and
 * signing code that only a notification needs.
 */
import type { Problem } from '../errors';
import type { FluxReceiverType } from './flux';

/** Argo CD's webhook endpoint and where its secret is read from. */
export interface ArgoCdNotifySettings {
  /** `https://<argocd-server>/api/webhook` (a bare server URL gets `/api/webhook` appended). */
  readonly webhookUrl: string;
  /** Environment variable holding the secret set as `webhook.github.secret` in `argocd-secret`. @default none: unsigned */
  readonly secretEnv?: string;
}

/** A Flux Receiver's URL and where its token is read from. */
export interface FluxNotifySettings {
  /** `https://<receiver-host>/hook/<sha256>` (the Receiver's `.status.webhookPath` on its exposed host). */
  readonly receiverUrl: string;
  /** Environment variable holding the Receiver's `token`. Required for the `github` and `generic-hmac` types. */
  readonly secretEnv?: string;
  /** The Receiver's `spec.type`. @default 'github' */
  readonly type?: FluxReceiverType;
}

/**
 * `gitops` in `policies/settings.ts`: which controllers `propose --direct` notifies. Secrets stay in the
 * environment; only variable names are committed.
 */
export interface GitopsNotifySettings {
  /** The repository URL as the controllers know it. @default the URL of `git.remote` */
  readonly repoUrl?: string;
  readonly argocd?: ArgoCdNotifySettings;
  readonly flux?: FluxNotifySettings;
}

/** Problems of a `gitops` settings value, in the shape `validate-settings` reports (file, field, message, hint). */
export function validateNotifySettings(raw: unknown, file: string, field = 'gitops'): Problem[] {
  const problems: Problem[] = [];
  const problem = (f: string, message: string, hint: string): void => void problems.push({ file, field: f, message, hint });
  if (raw === undefined) return problems;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problem(field, 'is not an object', "{ argocd?: { webhookUrl, secretEnv? }, flux?: { receiverUrl, secretEnv?, type? } }");
    return problems;
  }
  const spec = raw as Record<string, unknown>;
  for (const key of Object.keys(spec)) if (!['repoUrl', 'argocd', 'flux'].includes(key)) problem(`${field}.${key}`, 'is not a known field', 'repoUrl, argocd, flux');
  if (spec.repoUrl !== undefined && typeof spec.repoUrl !== 'string') problem(`${field}.repoUrl`, 'is not a string', 'the repository URL, e.g. https://github.com/acme/airlock.git');
  const endpoint = (key: 'argocd' | 'flux', urlField: string, allowed: readonly string[]): void => {
    const value = spec[key];
    if (value === undefined) return;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return problem(`${field}.${key}`, 'is not an object', `{ ${urlField}, secretEnv? }`);
    const v = value as Record<string, unknown>;
    for (const k of Object.keys(v)) if (!allowed.includes(k)) problem(`${field}.${key}.${k}`, 'is not a known field', allowed.join(', '));
    const url = v[urlField];
    if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/.test(url)) problem(`${field}.${key}.${urlField}`, `${JSON.stringify(url)} is not an http(s) URL`, key === 'argocd' ? 'https://argocd.example.com/api/webhook' : 'https://flux-webhook.example.com/hook/<sha256 from the Receiver status>');
    if (v.secretEnv !== undefined && (typeof v.secretEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.secretEnv))) problem(`${field}.${key}.secretEnv`, `${JSON.stringify(v.secretEnv)} is not an environment variable name`, 'letters, digits and "_", not starting with a digit (the secret itself never goes in a file)');
    if (key === 'flux' && v.type !== undefined && !['github', 'generic-hmac', 'generic'].includes(v.type as string)) problem(`${field}.flux.type`, `${JSON.stringify(v.type)} is not a supported Receiver type`, 'github, generic-hmac, generic');
  };
  endpoint('argocd', 'webhookUrl', ['webhookUrl', 'secretEnv']);
  endpoint('flux', 'receiverUrl', ['receiverUrl', 'secretEnv', 'type']);
  return problems;
}
