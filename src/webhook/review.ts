/**
 * The webhook's decision for one AdmissionReview v1: the same images, the same normalisation and the same
 * update rule as the ValidatingAdmissionPolicy's CEL, over the same blocklists.
 */
import { blockedImages, denialMessage, type Blocklist } from '../admission/blocklist';
import { introducedImages } from '../admission/resources';

/** The parts of an AdmissionReview v1 request the decision reads. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly operation?: string;
  readonly object?: unknown;
  readonly oldObject?: unknown;
}

/** The AdmissionReview v1 the webhook answers with. */
export interface AdmissionReviewResponse {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: { readonly code: 403; readonly reason: 'Forbidden'; readonly message: string };
  };
}

/** Result of reading a request body as an AdmissionReview v1. */
export type ParsedReview = { readonly ok: true; readonly request: AdmissionRequest } | { readonly ok: false; readonly error: string };

/** Checks the envelope of an AdmissionReview v1 (the API server never sends anything else here). */
export function parseAdmissionReview(body: unknown): ParsedReview {
  const b = body as { apiVersion?: unknown; kind?: unknown; request?: { uid?: unknown } } | null;
  if (b === null || typeof b !== 'object') return { ok: false, error: 'body is not a JSON object' };
  if (b.apiVersion !== 'admission.k8s.io/v1' || b.kind !== 'AdmissionReview') {
    return { ok: false, error: `expected apiVersion admission.k8s.io/v1, kind AdmissionReview; got ${String(b.apiVersion)}, ${String(b.kind)}` };
  }
  if (!b.request || typeof b.request !== 'object' || typeof b.request.uid !== 'string' || b.request.uid === '') {
    return { ok: false, error: 'request.uid is missing' };
  }
  return { ok: true, request: b.request as AdmissionRequest };
}

/** Decides one request: denied when any blocklist refuses an image the request introduces. */
export function reviewAdmission(request: AdmissionRequest, blocklists: readonly Blocklist[]): AdmissionReviewResponse {
  const allowed: AdmissionReviewResponse = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.uid, allowed: true } };
  if ((request.operation !== 'CREATE' && request.operation !== 'UPDATE') || blocklists.length === 0) return allowed;
  const images = introducedImages(request.object, request.operation === 'UPDATE' ? request.oldObject : undefined);
  if (images.length === 0) return allowed;
  const messages: string[] = [];
  for (const blocklist of blocklists) {
    const blocked = blockedImages(images, blocklist);
    if (blocked.length > 0) messages.push(denialMessage(blocked, blocklist));
  }
  if (messages.length === 0) return allowed;
  return {
    ...allowed,
    response: { uid: request.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: messages.join('; ') } },
  };
}
