/**
 * The intake under bursts, over real HTTPS and a real bare remote: a flood on one pod is one incident (a handful
 * of commits, not a thousand), and many pods at once are each committed, one git writer at a time.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { bearer, falcoAlert, git, gitProject, incidentFilesOf, metric, send, startTestIntake } from './support';

/** Sends every body over a pool of keep-alive connections; resolves with the replies' statuses and bodies. */
async function burst(url: string, ca: string, bodies: string[], connections = 16): Promise<Array<{ status: number; json: Record<string, unknown> }>> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: connections, ca });
  const out: Array<{ status: number; json: Record<string, unknown> }> = new Array(bodies.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const i = next++;
      const r = await new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
        const req = https.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...bearer() } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
        });
        req.on('error', reject);
        req.end(bodies[i]);
      });
      out[i] = r;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return out;
}

describe('airlock serve under load', () => {
  test('1,000 alerts on the same pod: one incident, a few commits, 999 deduplicated', async () => {
    const { root, remote } = gitProject();
    const { intake, ca } = await startTestIntake(root);
    try {
      const bodies = Array.from({ length: 1000 }, (_, i) => JSON.stringify(falcoAlert({ uuid: `flood-${i}`, fields: { 'k8s.pod.name': 'web-0' } })));
      const replies = await burst(`${intake.server.url}/v1/falco`, ca, bodies);
      assert.ok(replies.every((r) => r.status === 202));
      const ids = new Set(replies.map((r) => r.json.incident));
      assert.equal(ids.size, 1);
      await intake.processor.idle();
      assert.deepEqual(incidentFilesOf(root), [`${[...ids][0]}.ts`]);
      const branch = `airlock/${String([...ids][0]).toLowerCase()}`;
      const commits = Number(git(remote, 'rev-list', '--count', branch)) - 1;
      assert.ok(commits >= 1 && commits <= 3, `${commits} commits`);
      const recorded = git(remote, 'log', '-1', '--format=%(trailers)', branch).split('\n').filter((l) => l.startsWith('Airlock-Alert:'));
      assert.equal(recorded.length, 50, 'maxAlertsPerIncident (default 50) ids recorded');
      const metrics = (await send(`${intake.server.url}/metrics`, ca, { method: 'GET' })).text;
      assert.equal(metric(metrics, 'airlock_intake_alerts_received_total{source="falco"}'), 1000);
      assert.equal(metric(metrics, 'airlock_intake_alerts_deduplicated_total{source="falco"}'), 999);
    } finally {
      await intake.close();
    }
  });

  test('50 distinct pods at once: 50 incidents, each on its own pushed branch', async () => {
    const { root, remote } = gitProject();
    const { intake, ca } = await startTestIntake(root);
    try {
      const bodies = Array.from({ length: 50 }, (_, i) => JSON.stringify(falcoAlert({ uuid: `pod-${i}`, fields: { 'k8s.pod.name': `web-${i}` } })));
      const replies = await burst(`${intake.server.url}/v1/falco`, ca, bodies, 50);
      assert.ok(replies.every((r) => r.status === 202 && r.json.disposition === 'created'));
      await intake.processor.idle();
      assert.equal(incidentFilesOf(root).length, 50);
      const branches = git(remote, 'branch', '--list', 'airlock/*').split('\n').filter(Boolean);
      assert.equal(branches.length, 50);
      const metrics = (await send(`${intake.server.url}/metrics`, ca, { method: 'GET' })).text;
      assert.equal(metric(metrics, 'airlock_intake_proposals_total{result="pushed"}'), 50);
      assert.equal(metric(metrics, 'airlock_intake_alert_to_push_seconds_count'), 50);
    } finally {
      await intake.close();
    }
  });
});
