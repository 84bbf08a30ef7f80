/** An HTTPS client for the tests that verifies the server against the test certificate. */
import * as https from 'node:https';
import * as tls from 'node:tls';

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Sends one request and collects the reply. */
export function request(url: string, ca: string, options: { method?: string; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: options.method ?? 'GET', ca, headers: options.body !== undefined ? { 'content-type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** An AdmissionReview v1 request as the API server sends it. */
export function admissionReview(uid: string, request: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, ...request } });
}

/**
 * Writes raw bytes over TLS (for requests no well-behaved client sends: lying lengths, stalled bodies) and
 * resolves with the status of the first response once the server closes the connection or answers.
 */
export function rawExchange(url: string, ca: string, bytes: string | Buffer): Promise<{ status: number; text: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca }, () => socket.write(bytes));
    let text = '';
    let settled = false;
    const settle = (closed: boolean): void => {
      if (settled) return;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m && !closed) return;
      settled = true;
      resolve({ status: m ? Number(m[1]) : 0, text, closed });
      socket.destroy();
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      // A complete response: headers and a body of the announced length.
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text);
      if (head >= 0 && length && text.length - head - 4 >= Number(length[1])) settle(/connection: close/i.test(text.slice(0, head)));
    });
    socket.on('end', () => settle(true));
    socket.on('close', () => settle(true));
    socket.on('error', (e) => (text ? settle(true) : reject(e)));
  });
}
