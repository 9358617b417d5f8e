// The ports settleflow's scripts give the servers they start. A port the OS hands out for port 0 comes from the
// ephemeral range, from which it also takes the local port of every outgoing connection, so a probe or a client could
// hold it by the time the server binds it: the Temporal dev server once failed to start with "can't set frontend port
// 39991: address already in use". findFreePort picks outside that range.

import fs from 'node:fs';
import net from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findFreePort } = require('../../scripts/lib/services') as {
  findFreePort(range?: { low?: number; high?: number }): Promise<number>;
};

function ephemeralRange(): [number, number] {
  const text = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  const [low, high] = text.trim().split(/\s+/).map(Number);
  return [low ?? 32768, high ?? 60999];
}

describe('findFreePort', () => {
  it('findFreePort › fifty picks › none in the ephemeral range, all in 20000-65535', async () => {
    const [low, high] = ephemeralRange();
    const ports = [];
    for (let i = 0; i < 50; i += 1) ports.push(await findFreePort());
    expect(ports.filter((port) => port >= low && port <= high)).toEqual([]);
    expect(ports.filter((port) => port < 20000 || port > 65535)).toEqual([]);
  });

  it('findFreePort › a range below 32768 › stays in it (Temporal membership ports are smallint)', async () => {
    const ports = [];
    for (let i = 0; i < 50; i += 1) ports.push(await findFreePort({ low: 20000, high: 32767 }));
    expect(ports.filter((port) => port < 20000 || port > 32767)).toEqual([]);
  });

  it('findFreePort › the answer › can be listened on', async () => {
    const port = await findFreePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('findFreePort › a range wholly inside the ephemeral one › is refused clearly', async () => {
    const [low] = ephemeralRange();
    await expect(findFreePort({ low, high: low + 10 })).rejects.toThrow(/outside the ephemeral range/);
  });
});
