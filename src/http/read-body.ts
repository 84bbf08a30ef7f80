/**
 * Reading a request body within a size and a time bound, for the admission webhook and the alert intake: a
 * client that declares or sends too much gets 413, one that trickles gets 408, one that disconnects settles the
 * read as 400, and nothing waits for ever.
 */
import type { IncomingMessage } from 'node:http';

/** The body, or the status to answer with. */
export type BodyResult = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly status: 400 | 408 | 413 };

/** Reads the whole body, refusing at `limit` bytes or after `timeoutMs`. */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return resolve({ ok: false, status: 413 });
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, status: 408 }), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) finish({ ok: false, status: 413 });
      else chunks.push(chunk);
    });
    // One chunk is the common case for an AdmissionReview: no copy.
    req.on('end', () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) }));
    // A client that goes away mid-body: nothing to answer, but the promise must settle.
    req.on('error', () => finish({ ok: false, status: 400 }));
    req.on('close', () => finish({ ok: false, status: 400 }));
  });
}
