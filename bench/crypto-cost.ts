// `npm run bench:crypto-cost -- <profile dir> --orders N`: the CPU the lifecycle benchmark's processes spent on
// cryptography, per order, from V8 CPU profiles of a benchmark run made with
//   node --cpu-prof --cpu-prof-dir=<profile dir> scripts/run-ts.js bench/lifecycle.ts --sizes 50 --warmup 5
// (the child processes inherit --cpu-prof). A sample counts as cryptography when a frame on its stack is the payload
// codec (src/temporal/codec), settleflow's key, vault and signing modules (src/security, src/gateway/vault, the
// signed notification and the client SDK), jose, or node's crypto. Each process's main thread only (workflow
// threads run no cryptography). N is every order the run placed (warm-up included); the floor does no cryptography.

import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a stack is spent on, by its innermost frame of settleflow's or a crypto library's. */
function categoryOf(url: string): string | undefined {
  if (url.includes('temporal/codec')) return 'payload codec';
  if (/security\/notice-signing/.test(url)) return 'notice signatures';
  if (/security\//.test(url)) return 'key rings and vault';
  if (/gateway\/vault/.test(url)) return 'payment instructions (vault)';
  if (/signed-notification|client-sdk/.test(url)) return 'signed notifications';
  return undefined;
}

const LIBRARY = (url: string) => url.includes('/jose/') || url.includes('internal/crypto');

/** The process a profile is of, by the scripts its frames come from. */
function processOf(profile: Profile): string {
  const urls = profile.nodes.map((node) => node.callFrame.url);
  for (const name of ['api-main', 'worker-main', 'gateway-main']) if (urls.some((u) => u.includes(name))) return name;
  return urls.some((u) => u.includes('bench/lifecycle')) ? 'bench (bots)' : 'other';
}

/** Milliseconds of cryptography by category in one profile, and the busy milliseconds. */
function cryptoOf(profile: Profile): { busyMs: number; byCategory: Record<string, number> } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const memo = new Map<number, string | undefined>();
  const category = (id: number): string | undefined => {
    if (memo.has(id)) return memo.get(id);
    let found: string | undefined;
    let library = false;
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const url = byId.get(current)?.callFrame.url ?? '';
      found = categoryOf(url);
      if (found) break;
      library ||= LIBRARY(url);
    }
    const result = found ?? (library ? 'other crypto (jose, node:crypto)' : undefined);
    memo.set(id, result);
    return result;
  };
  const byCategory: Record<string, number> = {};
  let busyMs = 0;
  profile.samples.forEach((id, index) => {
    if (byId.get(id)?.callFrame.functionName === '(idle)') return;
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    busyMs += ms;
    const name = category(id);
    if (name) byCategory[name] = (byCategory[name] ?? 0) + ms;
  });
  return { busyMs, byCategory };
}

function main(): void {
  const args = process.argv.slice(2);
  const dir = args.find((arg) => !arg.startsWith('--'));
  const ordersAt = args.indexOf('--orders');
  const orders = ordersAt >= 0 ? Number(args[ordersAt + 1]) : NaN;
  if (!dir || !Number.isFinite(orders) || orders <= 0) {
    console.error('usage: npm run bench:crypto-cost -- <profile dir> --orders <orders placed, warm-up included>');
    process.exit(2);
  }
  const rows: string[][] = [];
  let total = 0;
  for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const name = processOf(profile);
    if (name === 'other') continue; // a workflow thread, or the build
    const { busyMs, byCategory } = cryptoOf(profile);
    const crypto = Object.values(byCategory).reduce((sum, ms) => sum + ms, 0);
    total += crypto;
    const parts = Object.entries(byCategory)
      .sort((a, b) => b[1] - a[1])
      .map(([category, ms]) => `${category} ${(ms / orders).toFixed(1)}`)
      .join(', ');
    rows.push([name, (crypto / orders).toFixed(1), (busyMs / orders).toFixed(0), parts]);
  }
  console.log('process         crypto ms/order  all CPU / orders (whole run, floor included)  by category (ms/order)');
  for (const [name, crypto, busy, parts] of rows) {
    console.log(`${name!.padEnd(16)}${crypto!.padStart(15)}  ${busy!.padStart(44)}  ${parts}`);
  }
  console.log(`all${(total / orders).toFixed(1).padStart(28)} ms of cryptography per order`);
}

main();
