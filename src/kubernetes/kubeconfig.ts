/**
 * Reading a kubeconfig into what one HTTPS connection needs: the server, the CA to trust, and a bearer token
 * or a client certificate. Files listed in `KUBECONFIG` are merged as kubectl does (the first definition of a
 * name wins). Exec plugins and auth providers run other programs with the responder's credentials; they are
 * refused with a clear error rather than half-supported.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { KubeconfigError } from './errors';

/** Everything needed to talk to one cluster as one user. */
export interface ClusterConnection {
  /** The context this came from. */
  readonly context: string;
  /** API server URL, e.g. `https://10.0.0.1:6443`. */
  readonly server: string;
  /** The context's default namespace, if any. */
  readonly namespace?: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
  /** `insecure-skip-tls-verify`: honoured, as kubectl does, but never the default. */
  readonly insecureSkipTlsVerify: boolean;
}

/** Where to read the kubeconfig from and which context to use. */
export interface KubeconfigOptions {
  /** Explicit file; otherwise `KUBECONFIG` (a path list), otherwise `~/.kube/config`. */
  readonly file?: string;
  /** Context name; otherwise the `current-context`. */
  readonly context?: string;
  readonly env?: NodeJS.ProcessEnv;
}

type Json = Record<string, unknown>;
interface Named {
  readonly name: string;
  readonly value: Json;
  readonly dir: string;
}

/** Where a kubeconfig is looked for, in kubectl's order: said when none can be read. */
const SOURCES = 'accepted: --kubeconfig FILE, else the files listed in $KUBECONFIG, else ~/.kube/config';

function kubeconfigFiles(options: KubeconfigOptions): string[] {
  if (options.file) return [options.file];
  const env = options.env ?? process.env;
  if (env.KUBECONFIG) return env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '');
  return [path.join(env.HOME ?? os.homedir(), '.kube', 'config')];
}

/** Loads the connection of one context. Throws KubeconfigError naming the file and what is wrong. */
export function loadKubeconfig(options: KubeconfigOptions = {}): ClusterConnection {
  const files = kubeconfigFiles(options);
  const where = files.join(path.delimiter);
  const lists: Record<'clusters' | 'users' | 'contexts', Named[]> = { clusters: [], users: [], contexts: [] };
  let current: string | undefined;
  let read = 0;
  for (const file of files) {
    let doc: Json;
    try {
      doc = (parse(fs.readFileSync(file, 'utf8')) ?? {}) as Json;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && files.length > 1) continue;
      throw new KubeconfigError(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${SOURCES}`, file);
    }
    read++;
    current ??= typeof doc['current-context'] === 'string' && doc['current-context'] !== '' ? (doc['current-context'] as string) : undefined;
    for (const kind of ['clusters', 'users', 'contexts'] as const) {
      for (const item of (doc[kind] as Json[] | undefined) ?? []) {
        const singular = kind.slice(0, -1);
        if (typeof item?.name === 'string' && !lists[kind].some((x) => x.name === item.name)) lists[kind].push({ name: item.name, value: (item[singular] ?? {}) as Json, dir: path.dirname(file) });
      }
    }
  }
  if (read === 0) throw new KubeconfigError(`no kubeconfig file could be read; ${SOURCES}`, where);
  const contextName = options.context ?? current;
  if (!contextName) throw new KubeconfigError('has no current-context; pass --context NAME', where);
  const context = lists.contexts.find((c) => c.name === contextName);
  if (!context) throw new KubeconfigError(`has no context "${contextName}" (contexts: ${lists.contexts.map((c) => c.name).join(', ') || 'none'})`, where);
  const cluster = lists.clusters.find((c) => c.name === context.value.cluster);
  if (!cluster || typeof cluster.value.server !== 'string') throw new KubeconfigError(`context "${contextName}" names cluster "${String(context.value.cluster)}", which has no server`, where);
  const user = lists.users.find((u) => u.name === context.value.user);
  const u = user?.value ?? {};
  if (u.exec !== undefined || u['auth-provider'] !== undefined) {
    throw new KubeconfigError(`user "${String(context.value.user)}" authenticates with an exec plugin or auth provider, which Airlock does not run; use a context with a token or client certificate (e.g. a ServiceAccount token)`, where);
  }
  if (u.username !== undefined || u.password !== undefined) throw new KubeconfigError(`user "${String(context.value.user)}" uses basic authentication, which Kubernetes no longer supports`, where);
  const bytes = (data: unknown, file: unknown, dir: string, what: string): Buffer | undefined => {
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    if (typeof file !== 'string') return undefined;
    try {
      return fs.readFileSync(path.resolve(dir, file));
    } catch (err) {
      throw new KubeconfigError(`${what} file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, where);
    }
  };
  const tokenFile = bytes(undefined, u.tokenFile, user?.dir ?? '.', 'token');
  const token = typeof u.token === 'string' ? u.token : tokenFile?.toString('utf8').trim();
  const ca = bytes(cluster.value['certificate-authority-data'], cluster.value['certificate-authority'], cluster.dir, 'certificate-authority');
  const cert = bytes(u['client-certificate-data'], u['client-certificate'], user?.dir ?? '.', 'client-certificate');
  const key = bytes(u['client-key-data'], u['client-key'], user?.dir ?? '.', 'client-key');
  if ((cert === undefined) !== (key === undefined)) throw new KubeconfigError(`user "${String(context.value.user)}" has a client certificate without its key (or the reverse)`, where);
  return {
    context: contextName,
    server: (cluster.value.server as string).replace(/\/+$/, ''),
    ...(typeof context.value.namespace === 'string' ? { namespace: context.value.namespace } : {}),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(token ? { token } : {}),
    insecureSkipTlsVerify: cluster.value['insecure-skip-tls-verify'] === true,
  };
}
