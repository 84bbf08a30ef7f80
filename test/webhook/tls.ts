/** A self-signed certificate for 127.0.0.1 and localhost, generated per test run (nothing is checked in). */
import { generate } from 'selfsigned';

export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

let cached: Promise<TestCertificate> | undefined;

/** One certificate per process; clients trust it as their only CA. */
export function testCertificate(): Promise<TestCertificate> {
  cached ??= generate([{ name: 'commonName', value: 'airlock-webhook.test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  }).then((r) => ({ key: r.private, cert: r.cert }));
  return cached;
}
