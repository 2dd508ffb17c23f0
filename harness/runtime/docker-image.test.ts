/**
 * How a Db's command becomes a container's argv (no engine needed): a Node Db's entry script is
 * bundled and run from the image, a command the Db copies in (Db.docker.files) runs as its path
 * in the image, anything else is refused in one line.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../ground/runtime.js';
import { BUNDLE_IN_IMAGE, containerCommand } from './docker-image.js';

describe('containerCommand', () => {
  it('node <script> args: the script is the entry to bundle, the container runs the bundle with the args', () => {
    expect(containerCommand({ cmd: process.execPath, args: ['dist/paxos/main.js', '--id', 'n1'] })).toEqual({
      entry: 'dist/paxos/main.js',
      argv: ['node', BUNDLE_IN_IMAGE, '--id', 'n1'],
    });
  });

  it('a cmd the Db copies into the image runs as its path there, args unchanged, nothing bundled', () => {
    const files = [{ from: '/usr/bin/etcd', to: '/usr/local/bin/etcd', mode: 0o755 }];
    expect(containerCommand({ cmd: '/usr/bin/etcd', args: ['--name', 'n1'] }, files)).toEqual({ entry: null, argv: ['/usr/local/bin/etcd', '--name', 'n1'] });
  });

  it('any other command: a one-line usage error naming it and Db.docker.files', () => {
    const refuse = () => containerCommand({ cmd: '/usr/bin/etcd', args: ['--name', 'n1'] });
    expect(refuse).toThrow(UsageError);
    expect(refuse).toThrow(/Db\.docker\.files.*\/usr\/bin\/etcd/);
    expect(() => containerCommand({ cmd: 'node', args: ['--version'] })).toThrow(UsageError);
  });
});
