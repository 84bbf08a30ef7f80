/**
 * Validation of synthesized custom resources against the upstream CRDs in `../shared/crds/` (read in place,
 * never copied into the repository), following that folder's README:
 *
 * - the `openAPIV3Schema` of the served version, compiled with ajv (`strict: false`: the `x-kubernetes-*`
 *   keywords are annotations for the API server, and int-or-string fields already carry `anyOf`);
 * - `additionalProperties: false` added to every object schema that lists properties and does not preserve
 *   unknown fields, so a misspelled field fails instead of being pruned silently by the API server;
 * - Cilium's RE2-only pattern `^\PC*$` rewritten to the JavaScript `^\P{C}*$`;
 * - formats `cidr`, `int32`, `int64`, `date-time`, `idn-hostname` defined here;
 * - `metadata` (only `type: object` in CRDs) checked separately: name, labels, and a namespace exactly when
 *   the CRD is namespaced;
 * - the CEL rules (`x-kubernetes-validations`) that apply to what Airlock writes, checked explicitly by
 *   {@link celProblems}, since JSON schema cannot.
 */
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { checkLabelKey, checkLabelValue } from '../../src/incident/kubernetes-names';

/** `../shared/crds` from the repository root. */
export const CRDS_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'crds');

type Json = Record<string, unknown>;

/** A CRD file under {@link CRDS_DIR}, and the network-policy-api channel it belongs to (`standard` otherwise). */
export interface CrdFile {
  readonly file: string;
  readonly channel: Channel;
}

/** The CRD files Airlock's backends write objects for; `channel` picks among network-policy-api channels. */
export const BACKEND_CRDS: readonly CrdFile[] = [
  { file: 'network-policy-api/v0.1.7/standard/policy.networking.k8s.io_adminnetworkpolicies.yaml', channel: 'standard' },
  { file: 'network-policy-api/v0.1.7/experimental/policy.networking.k8s.io_adminnetworkpolicies.yaml', channel: 'experimental' },
  { file: 'network-policy-api/main/standard/policy.networking.k8s.io_clusternetworkpolicies.yaml', channel: 'standard' },
  { file: 'network-policy-api/main/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml', channel: 'experimental' },
  { file: 'calico/projectcalico.org_globalnetworkpolicies.yaml', channel: 'standard' },
  { file: 'cilium/cilium.io_ciliumnetworkpolicies.yaml', channel: 'standard' },
];

/** network-policy-api channel: `standard` (stable fields) or `experimental` (a superset). */
export type Channel = 'standard' | 'experimental';

function isCidr(text: string): boolean {
  const [ip, prefix, ...rest] = text.split('/');
  if (rest.length > 0 || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const family = isIP(ip);
  return family !== 0 && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Closes object schemas that list their properties, so unknown (misspelled) fields fail. */
function prepare(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(prepare);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' && typeof v === 'string') continue;
    out[k] = k === 'pattern' && v === '^\\PC*$' ? '^\\P{C}*$' : prepare(v);
  }
  if (out.type === 'object' && out.properties && out['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

interface Entry {
  readonly validate: ValidateFunction;
  readonly namespaced: boolean;
}

/** Validators for every served version of the CRDs above, keyed `<group>/<version>/<kind>/<channel>`. */
export class CrdValidator {
  private readonly entries = new Map<string, Entry>();

  /** Compiles the given CRD files (default: the backends' CRDs). */
  constructor(files: readonly CrdFile[] = BACKEND_CRDS) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('cidr', isCidr);
    ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
    ajv.addFormat('idn-hostname', (s: string) => s.length > 0 && s.length <= 253);
    for (const { file, channel } of files) {
      const crd = parse(fs.readFileSync(path.join(CRDS_DIR, file), 'utf8')) as { spec: { group: string; scope: string; names: { kind: string }; versions: { name: string; served: boolean; schema: { openAPIV3Schema: unknown } }[] } };
      for (const v of crd.spec.versions.filter((x) => x.served)) {
        const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}/${channel}`;
        this.entries.set(key, { validate: ajv.compile(prepare(v.schema.openAPIV3Schema) as object), namespaced: crd.spec.scope === 'Namespaced' });
      }
    }
  }

  /** Whether a CRD of this apiVersion and kind is known (in any channel). */
  knows(object: Json): boolean {
    return this.entries.has(`${object.apiVersion as string}/${object.kind as string}/standard`);
  }

  /** Problems of one object (empty when valid): schema errors, metadata errors and CEL rule violations. */
  problems(object: Json, channel: Channel = 'standard'): string[] {
    const entry = this.entries.get(`${object.apiVersion as string}/${object.kind as string}/${channel}`);
    if (!entry) return [`no CRD for ${String(object.apiVersion)} ${String(object.kind)} (${channel})`];
    const out: string[] = [];
    if (!entry.validate(object)) out.push(...(entry.validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
    out.push(...metadataProblems(object, entry.namespaced), ...celProblems(object));
    return out;
  }
}

function metadataProblems(object: Json, namespaced: boolean): string[] {
  const meta = (object.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  const out: string[] = [];
  if (!meta.name || meta.name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(meta.name)) out.push(`metadata.name ${JSON.stringify(meta.name)} is not a DNS-1123 subdomain`);
  if (namespaced !== (meta.namespace !== undefined)) out.push(namespaced ? 'metadata.namespace is missing on a namespaced kind' : 'metadata.namespace is set on a cluster-scoped kind');
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    const problem = checkLabelKey(k) ?? checkLabelValue(v);
    if (problem) out.push(`metadata.labels ${k}: ${problem}`);
  }
  for (const [k, v] of Object.entries(meta.annotations ?? {})) if (typeof v !== 'string') out.push(`metadata.annotations ${k} is not a string`);
  return out;
}

const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/**
 * The CEL rules of the CRDs that concern what Airlock writes, as the API server would evaluate them:
 * - network-policy-api: `isCIDR(self)` on every `networks` entry; (experimental AdminNetworkPolicy) no
 *   `namedPort` in an egress rule that has a `networks` or `nodes` peer; (ClusterNetworkPolicy) port ranges
 *   with `start < end`; a BaselineAdminNetworkPolicy is named `default`.
 * - Calico GlobalNetworkPolicy: `preDNAT` and `doNotTrack` not both, no egress or `Egress` type with
 *   `preDNAT`, `applyOnForward` when either is set; HTTP matches only on `Allow` rules with protocol TCP or
 *   unset; no ports with `services`.
 */
export function celProblems(object: Json): string[] {
  const out: string[] = [];
  const spec = (object.spec ?? {}) as Json;
  const group = String(object.apiVersion).split('/')[0];
  if (group === 'policy.networking.k8s.io') {
    if (object.kind === 'BaselineAdminNetworkPolicy' && (object.metadata as Json)?.name !== 'default') out.push('a BaselineAdminNetworkPolicy must be named default');
    for (const direction of ['ingress', 'egress'] as const) {
      list(spec[direction]).forEach((rule, i) => {
        const peers = list(rule.to ?? rule.from);
        for (const peer of peers) for (const n of list(peer.networks) as unknown as string[]) if (!isCidr(n)) out.push(`spec.${direction}[${i}] networks: Invalid CIDR format provided (${n})`);
        const addressPeer = peers.some((p) => p.networks !== undefined || p.nodes !== undefined || p.domainNames !== undefined);
        if (addressPeer && list(rule.ports).some((p) => p.namedPort !== undefined)) out.push(`spec.${direction}[${i}]: networks/nodes/domainNames peer cannot be set with namedPorts`);
        for (const p of list(rule.protocols)) {
          for (const proto of ['tcp', 'udp', 'sctp']) {
            const range = ((p[proto] as Json | undefined)?.destinationPort as Json | undefined)?.range as { start: number; end: number } | undefined;
            if (range && !(range.start < range.end)) out.push(`spec.${direction}[${i}] ${proto}: Start port must be less than End port`);
          }
        }
      });
    }
  }
  if (group === 'projectcalico.org') {
    if (spec.doNotTrack === true && spec.preDNAT === true) out.push('preDNAT and doNotTrack cannot both be true');
    if (spec.preDNAT === true && (list(spec.egress).length > 0 || list(spec.types).includes('Egress' as never))) out.push('preDNAT policy cannot have any egress rules or the Egress type');
    if ((spec.preDNAT === true || spec.doNotTrack === true) && spec.applyOnForward !== true) out.push('applyOnForward must be true if either preDNAT or doNotTrack is true');
    for (const direction of ['ingress', 'egress'] as const) {
      list(spec[direction]).forEach((rule, i) => {
        if (rule.http !== undefined && rule.action !== 'Allow') out.push(`spec.${direction}[${i}]: HTTP match is only valid on Allow rules`);
        if (rule.http !== undefined && rule.protocol !== undefined && rule.protocol !== 'TCP' && rule.protocol !== 6) out.push(`spec.${direction}[${i}]: rules with HTTP match must have protocol TCP or unset`);
        const dst = (rule.destination ?? {}) as Json;
        if (dst.services !== undefined && (list(dst.ports).length > 0 || list(dst.notPorts).length > 0)) out.push(`spec.${direction}[${i}]: ports and notPorts cannot be specified with services`);
      });
    }
  }
  return out;
}
