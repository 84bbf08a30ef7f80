/**
 * Reads the blocklists the webhook enforces from the ConfigMaps in `dist/`: the very objects the
 * ValidatingAdmissionPolicy reads as params, so both modes block the same images.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BLOCKLIST_LABEL, BLOCKLIST_LABEL_VALUE, INCIDENT_LABEL } from '../admission/manifest';
import { blocklistFromData, type Blocklist } from '../admission/blocklist';
import { BlocklistLoadError } from './errors';

/** Every `.yaml`/`.yml` file under `dir`, sorted, so loading is deterministic. */
async function manifestFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

/** Blocklists found in the documents of one YAML text (exported for tests and in-memory use). */
export function blocklistsFromYaml(text: string, file: string): Blocklist[] {
  const found: Blocklist[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new BlocklistLoadError(file, `is not valid YAML: ${doc.errors[0]!.message}`);
    const o = obj(doc.toJS());
    if (!o || o.kind !== 'ConfigMap' || o.apiVersion !== 'v1') continue;
    const labels = obj(obj(o.metadata)?.labels);
    if (labels?.[BLOCKLIST_LABEL] !== BLOCKLIST_LABEL_VALUE) continue;
    const name = String(obj(o.metadata)?.name ?? '');
    const fallback = typeof labels[INCIDENT_LABEL] === 'string' ? (labels[INCIDENT_LABEL] as string) : name;
    const parsed = blocklistFromData(o.data ?? {}, fallback);
    if (!parsed.ok) throw new BlocklistLoadError(file, `ConfigMap ${name} ${parsed.error}`);
    found.push(parsed.value);
  }
  return found;
}

/**
 * Every blocklist ConfigMap under `distDir`, ordered by incident id. A missing folder is an error (a typo
 * must not silently allow everything); an empty one means no incident blocks images.
 */
export async function loadBlocklists(distDir: string): Promise<Blocklist[]> {
  let files: string[];
  try {
    files = await manifestFiles(distDir);
  } catch (e) {
    throw new BlocklistLoadError(distDir, `cannot be read as the dist folder (${(e as Error).message})`);
  }
  const all: Blocklist[] = [];
  for (const file of files) all.push(...blocklistsFromYaml(await fs.readFile(file, 'utf8'), file));
  return all.sort((a, b) => (a.incident < b.incident ? -1 : a.incident > b.incident ? 1 : 0));
}
