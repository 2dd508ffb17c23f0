/**
 * whyNoAnswer (the docker runtime's diagnosis when a node never becomes ready) against a real
 * container whose port accepts connections but never answers, as a restarted etcd member does
 * while it cannot reach a quorum: the diagnosis must itself end, not hang the harness.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { connectEngine, runLabels } from '../../harness/runtime/docker-engine.js';
import { offlineBaseTag } from '../../harness/runtime/docker-image.js';
import { whyNoAnswer } from '../../harness/runtime/docker-network.js';
import { dockerSkipReason } from './engine.js';

const skip = await dockerSkipReason('test/docker/why-no-answer.test.ts');

describe.skipIf(skip !== null)('whyNoAnswer', () => {
  let container: Docker.Container | undefined;
  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => {});
  });

  it('ends, saying so, when the node accepts connections on its port but never answers', async () => {
    const docker = connectEngine();
    container = await docker.createContainer({
      Image: offlineBaseTag(),
      Cmd: ['node', '-e', "require('net').createServer(() => {}).listen(8000); setInterval(() => {}, 1e9)"],
      Labels: runLabels(`why-${process.pid}`),
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    await new Promise((r) => setTimeout(r, 1500)); // node listening
    const t = performance.now();
    const why = await whyNoAnswer(container, 8000);
    expect(performance.now() - t).toBeLessThan(15_000);
    expect(why).toMatch(/running, no answer inside either: .*timeout/i);
  }, 60_000);
});
