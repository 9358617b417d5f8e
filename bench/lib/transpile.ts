// Compiles src/ and bench/ to plain JavaScript for the benchmark's child processes, so their memory is settleflow's
// and not a TypeScript compiler's (ts-node keeps one loaded). Transpile-only, like scripts/run-ts.js: the type
// check is `npm run typecheck`'s job. The output sits under node_modules/.cache so the project's packages resolve.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'results' ? [] : typeScriptFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/**
 * Transpiles every .ts file under src/ and bench/ into `<ROOT>/node_modules/.cache/settleflow-bench/<name>/`.
 * @returns the output directory (mirrors the repository layout) and a function that removes it
 */
export function transpileForChildren(name: string): { outDir: string; remove: () => void } {
  const outDir = path.join(ROOT, 'node_modules', '.cache', 'settleflow-bench', name);
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    esModuleInterop: true,
    sourceMap: false,
  };
  for (const file of [...typeScriptFiles(path.join(ROOT, 'src')), ...typeScriptFiles(path.join(ROOT, 'bench'))]) {
    const output = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
    const target = path.join(outDir, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  return { outDir, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}
