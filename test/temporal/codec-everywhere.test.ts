// A fence, without servers: every Temporal client and worker settleflow creates (product, benchmark processes, test
// support, tests) is given a data converter, so a client added later without the payload codec fails here instead of
// writing payloads in clear (or failing to read them). The few that must not have it are listed with the reason.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const FOLDERS = ['src', 'scripts', 'bench', 'test'];

/** Creations that deliberately go without the codec, by file and the text that starts them. */
const WITHOUT_CODEC: Record<string, string> = {
  'bench/lifecycle.ts new Client(': "the benchmark's floor client: the floor is Temporal alone, without settleflow",
  'bench/processes/worker-main.ts Worker.create(': "the benchmark's floor worker, likewise",
  'test/api/codec.test.ts new Client(': 'reads raw history, to show it holds nothing in clear',
  'test/api/codec.test.ts Worker.runReplayHistory(': 'replays once without the codec, to show it cannot',
  'test/api/idempotency.test.ts new Client(': 'a client on a closed connection: every call fails before any payload',
};

const CREATIONS = /new Client\(|Worker\.create\(|Worker\.runReplayHistor(?:y|ies)\(|new (?:Workflow|Schedule)Client\(/g;

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const file = path.join(folder, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(file).isDirectory()) return sources(file);
    return /\.(ts|js)$/.test(name) ? [file] : [];
  });
}

/** The text of a call from its opening parenthesis to the matching closing one. */
function callText(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    if (text[i] === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

describe('payload codec everywhere', () => {
  it('every Temporal client and worker creation › is given a data converter, or is listed with its reason', () => {
    const missing: string[] = [];
    const allowedSeen = new Set<string>();
    for (const file of FOLDERS.flatMap((folder) => sources(path.join(ROOT, folder)))) {
      const relative = path.relative(ROOT, file);
      if (relative === path.relative(ROOT, __filename)) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(CREATIONS)) {
        const call = callText(text, (match.index ?? 0) + match[0].length - 1);
        if (/dataConverter/.test(call)) continue;
        const key = `${relative} ${match[0]}`;
        if (WITHOUT_CODEC[key]) allowedSeen.add(key);
        else missing.push(`${key} (line ${text.slice(0, match.index).split('\n').length})`);
      }
    }

    expect(missing).toEqual([]);
    expect([...allowedSeen].sort()).toEqual(Object.keys(WITHOUT_CODEC).sort());
  });
});
