/**
 * The CEL that the ValidatingAdmissionPolicy (and the Kyverno CEL rule) evaluates, written as named variables
 * so each normalisation step can be read and reviewed on its own. It mirrors `normaliseImage` and
 * `isBlocked` step for step; tests run both over the same admission objects.
 *
 * Kubernetes evaluates the policy once per blocklist ConfigMap that the binding's selector finds (`params`)
 * and denies if any evaluation fails, so each expression only ever sees one incident's blocklist.
 *
 * Functions used beyond standard CEL, all from the Kubernetes strings extension library:
 * `indexOf`, `lastIndexOf`, `substring`, `lowerAscii`, `split`.
 */
import { BLOCKLIST_KEYS, ENTRY_SEPARATOR } from './blocklist';
import { CRONJOB_KIND, POD_KIND } from './resources';
import { DEFAULT_REGISTRY, IMPLICIT_TAG } from '../incident/image-reference';

/** A named CEL expression; later variables refer to earlier ones as `variables.<name>`. */
export interface CelVariable {
  readonly name: string;
  readonly expression: string;
}

/** A validation: `expression` must be true, otherwise the request fails with `messageExpression`. */
export interface CelValidation {
  readonly expression: string;
  readonly messageExpression: string;
  /** Static message the API server falls back to when `messageExpression` cannot be evaluated. */
  readonly message: string;
  /** Shown in the API status; `Forbidden` (HTTP 403) as for any refused request. */
  readonly reason: 'Forbidden';
}

/** The complete program: variables in evaluation order, then the validation. */
export interface BlockImagesCel {
  readonly variables: readonly CelVariable[];
  readonly validations: readonly CelValidation[];
}

const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

/** Where an object of any admitted kind keeps its pod spec. */
function podSpec(o: string): string {
  return (
    `${o}.kind == ${q(POD_KIND)} ? ${o}.spec : ` +
    `(${o}.kind == ${q(CRONJOB_KIND)} ? ${o}.spec.jobTemplate.spec.template.spec : ${o}.spec.template.spec)`
  );
}

/** Every image of a pod spec, containers then initContainers then ephemeralContainers. */
function imagesOf(spec: string): string {
  const lists = ['containers', 'initContainers', 'ephemeralContainers'].map((l) => `(has(${spec}.${l}) ? ${spec}.${l} : [])`);
  return `(${lists.join(' + ')}).filter(c, has(c.image)).map(c, c.image)`;
}

/** A blocklist entry list from the param ConfigMap; empty when the key is missing or blank. */
function paramList(key: string): string {
  const v = `params.data[${q(key)}]`;
  return `has(params.data) && ${q(key)} in params.data && ${v} != '' ? ${v}.split(${q(ENTRY_SEPARATOR)}) : []`;
}

/** A data value of the param ConfigMap, or a fallback. */
function paramValue(key: string, fallback: string): string {
  return `(has(params.data) && ${q(key)} in params.data ? params.data[${q(key)}] : ${fallback})`;
}

/** Builds the CEL program that refuses images on the incident blocklist in `params`. */
export function blockImagesCel(): BlockImagesCel {
  const variables: CelVariable[] = [
    { name: 'podSpec', expression: podSpec('object') },
    { name: 'images', expression: imagesOf('variables.podSpec') },
    // On update only images the object did not already run are checked: labelling or scaling down a
    // compromised workload stays possible, while its new pods are refused at creation.
    { name: 'previousPodSpec', expression: `oldObject == null ? null : (${podSpec('oldObject')})` },
    {
      name: 'previousImages',
      expression: `variables.previousPodSpec == null ? [] : ${imagesOf('variables.previousPodSpec')}`,
    },
    { name: 'introducedImages', expression: 'variables.images.filter(i, !(i in variables.previousImages))' },
    // Normalisation, one step per variable: split off the digest...
    {
      name: 'imageNames',
      expression:
        "variables.introducedImages.map(i, {'image': i, " +
        "'name': i.contains('@') ? i.substring(0, i.indexOf('@')) : i, " +
        "'digest': i.contains('@') ? i.substring(i.indexOf('@') + 1) : ''})",
    },
    // ...then the tag (after the last ':' that follows the last '/', so a registry port is not a tag)...
    {
      name: 'imagePaths',
      expression:
        "variables.imageNames.map(r, {'image': r.image, 'digest': r.digest, " +
        "'tag': r.name.lastIndexOf(':') > r.name.lastIndexOf('/') ? r.name.substring(r.name.lastIndexOf(':') + 1) : '', " +
        "'path': r.name.lastIndexOf(':') > r.name.lastIndexOf('/') ? r.name.substring(0, r.name.lastIndexOf(':')) : r.name})",
    },
    // ...then the first path component...
    {
      name: 'imageFirstComponents',
      expression:
        "variables.imagePaths.map(r, {'image': r.image, 'digest': r.digest, 'tag': r.tag, 'path': r.path, " +
        "'first': r.path.contains('/') ? r.path.substring(0, r.path.indexOf('/')) : ''})",
    },
    // ...which is a registry host if it has '.' or ':', is localhost, or has upper case...
    {
      name: 'imageHosts',
      expression:
        "variables.imageFirstComponents.map(r, {'image': r.image, 'digest': r.digest, 'tag': r.tag, 'path': r.path, " +
        "'host': r.first != '' && (r.first.contains('.') || r.first.contains(':') || r.first == 'localhost' || r.first.lowerAscii() != r.first) ? r.first : ''})",
    },
    // ...then the registry (Docker Hub when there is no host, under its one spelling) and the rest of the path...
    {
      name: 'imageRegistries',
      expression:
        "variables.imageHosts.map(r, {'image': r.image, 'digest': r.digest, 'tag': r.tag, " +
        `'registry': r.host in ['', ${q(DEFAULT_REGISTRY)}, 'index.docker.io'] ? ${q(DEFAULT_REGISTRY)} : r.host, ` +
        "'rest': r.host == '' ? r.path : r.path.substring(size(r.host) + 1)})",
    },
    // ...and the repository, with library/ made explicit for single-component Docker Hub names.
    {
      name: 'references',
      expression:
        "variables.imageRegistries.map(r, {'image': r.image, 'digest': r.digest, 'tag': r.tag, " +
        `'repository': r.registry == ${q(DEFAULT_REGISTRY)} && !r.rest.contains('/') ` +
        `? ${q(DEFAULT_REGISTRY + '/library/')} + r.rest : r.registry + '/' + r.rest})`,
    },
    { name: 'blockedDigests', expression: paramList(BLOCKLIST_KEYS.digests) },
    { name: 'blockedTags', expression: paramList(BLOCKLIST_KEYS.tags) },
    { name: 'blockedRepositories', expression: paramList(BLOCKLIST_KEYS.repositories) },
    {
      name: 'blocked',
      expression:
        'variables.references.filter(r, ' +
        "(r.digest != '' && r.digest in variables.blockedDigests) || " +
        '(r.repository in variables.blockedRepositories) || ' +
        `((r.tag != '' || r.digest == '') && (r.repository + ':' + (r.tag != '' ? r.tag : ${q(IMPLICIT_TAG)})) in variables.blockedTags)` +
        ').map(r, r.image)',
    },
  ];
  const validations: CelValidation[] = [
    {
      expression: 'size(variables.blocked) == 0',
      messageExpression:
        "'image ' + variables.blocked[0] + " +
        "(size(variables.blocked) > 1 ? ' (and ' + string(size(variables.blocked) - 1) + ' more)' : '') + " +
        `' is blocked by incident ' + ${paramValue(BLOCKLIST_KEYS.incident, 'params.metadata.name')} + ': ' + ${paramValue(BLOCKLIST_KEYS.reason, "''")}`,
      message: 'an image is on an Airlock incident blocklist (see the airlock-blocklist-* ConfigMaps)',
      reason: 'Forbidden',
    },
  ];
  return { variables, validations };
}
