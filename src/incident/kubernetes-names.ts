/**
 * The name and label rules the Kubernetes API server enforces (apimachinery's validation package), so a
 * declaration Kubernetes would reject is refused before anything is written. Each check returns undefined
 * when the value is accepted, or what is wrong with it.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Accepted forms, for error hints. */
export const NAME_HINTS = {
  dns1123Label: 'lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters (e.g. "payments")',
  dns1123Subdomain: 'lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters (e.g. "checkout-7d9f8c-x2x4k")',
  labelKey: 'an optional DNS subdomain prefix and "/", then a name of at most 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit (e.g. "app.kubernetes.io/name")',
  labelValue: 'empty, or at most 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit',
  portName: 'a container port name: 1–15 lower-case letters, digits and "-", with at least one letter, no leading, trailing or double "-" (e.g. "http")',
} as const;

/** A namespace name, or any other DNS-1123 label. */
export function checkDns1123Label(value: string): string | undefined {
  if (value.length > 63) return `"${value}" is ${value.length} characters long (at most 63)`;
  return DNS1123_LABEL.test(value) ? undefined : `"${value}" is not a DNS-1123 label`;
}

/** An object name such as a pod's: a DNS-1123 subdomain. */
export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length > 253) return `"${value}" is ${value.length} characters long (at most 253)`;
  return DNS1123_SUBDOMAIN.test(value) ? undefined : `"${value}" is not a DNS-1123 subdomain`;
}

/** A label key: `[prefix/]name`. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix === '' || checkDns1123Subdomain(prefix)) return `label key "${key}" has an invalid prefix "${prefix}"`;
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) return `"${key}" is not a valid label key`;
  return undefined;
}

/** A label value. */
export function checkLabelValue(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return `label value "${value}" is ${value.length} characters long (at most 63)`;
  return QUALIFIED_NAME.test(value) ? undefined : `"${value}" is not a valid label value`;
}

/** A named port (IANA_SVC_NAME). */
export function checkPortName(value: string): string | undefined {
  const ok = value.length <= 15 && PORT_NAME.test(value) && /[a-z]/.test(value) && !value.includes('--');
  return ok ? undefined : `"${value}" is not a valid port name`;
}
