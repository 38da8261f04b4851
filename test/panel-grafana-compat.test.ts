/**
 * The panel on every Grafana line its plugin.json admits: @grafana/levitate compares, for each
 * @grafana/* export the plugin's source (module.ts and what it imports) uses, the API of the installed
 * packages (what module.js is built against) with the same packages of each supported line.
 *
 * Levitate fetches those packages from the npm registry and nothing else; LEVITATE_CACHE keeps them in
 * the temp directory, so a second run reads them from disk.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Change, IncompatibilityInfo } from '@grafana/levitate';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type ts from 'typescript';

const panel = join(dirname(fileURLToPath(import.meta.url)), '..', 'panel-plugin');

/** The oldest release of each supported line (10.4) and the newest of the others, as the registry has them. */
const LINES = ['10.4.0', '11.6.16', '12.4.10', '13.1.3'];

const plugin = JSON.parse(readFileSync(join(panel, 'src', 'plugin.json'), 'utf8')) as { dependencies: { grafanaDependency: string } };
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(panel, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** Declaration text with `export` / `declare` and whitespace set aside. */
const normalized = (node: ts.Node): string => node.getText().replace(/\b(export|declare)\s+/g, '').replace(/\s+/g, ' ').trim();

/** The declarations that a parameter's type names, as text, in its own program. */
function parameterTypes(declaration: ts.Declaration, program: ts.Program): string[] {
  const parameters = (declaration as Partial<ts.SignatureDeclarationBase>).parameters ?? [];
  return parameters.map((p) => {
    const typeName = (p.type as Partial<ts.TypeReferenceNode> | undefined)?.typeName;
    const symbol = typeName ? program.getTypeChecker().getSymbolAtLocation(typeName) : undefined;
    return symbol?.declarations?.map(normalized).join('\n') ?? (p.type ? normalized(p.type) : '');
  });
}

/**
 * Levitate reports a change when a used method's parameter type is declared by different text. The
 * 10.x packages roll their types into one index.d.ts (`type X = ...`), later ones keep a file per module
 * (`export type X = ...`): the same declaration then reads as changed. A change counts as real unless
 * the method and the types its parameters name are declared identically but for those keywords.
 */
function isRealChange(change: Change): boolean {
  const prev = change.prev.valueDeclaration;
  const current = change.current.valueDeclaration;
  if (!prev || !current) return true;
  if (normalized(prev) !== normalized(current)) return true;
  return JSON.stringify(parameterTypes(prev, change.prevProgram)) !== JSON.stringify(parameterTypes(current, change.currentProgram));
}

const describeIncompatibility = (i: IncompatibilityInfo): string =>
  `${i.name} ${i.removal ? 'is removed' : 'changed'} (used in ${i.sourceFile.fileName.slice(panel.length + 1)})`;

describe('the panel on every supported Grafana line', () => {
  let levitate: typeof import('@grafana/levitate');
  let program: ts.Program;
  let used: string[];

  beforeAll(async () => {
    // Levitate reads LEVITATE_CACHE when it loads, hence the import after setting it.
    process.env.LEVITATE_CACHE = 'true';
    levitate = await import('@grafana/levitate');
    program = levitate.createTsProgram(join(panel, 'src', 'module.ts'));
    const own = program.getSourceFiles().filter((f) => !f.fileName.includes('/node_modules/'));
    used = [...new Set(own.flatMap((f) => [...f.text.matchAll(/from '(@grafana\/[a-z-]+)'/g)].map((m) => m[1] as string)))].sort();
  });

  it('plugin.json admits exactly the lines checked here, from the oldest one up', () => {
    expect(plugin.dependencies.grafanaDependency).toBe(`>=${LINES[0]}`);
    expect(used.length).toBeGreaterThan(0);
  });

  it.each(LINES)('Grafana %s has every @grafana/* API the plugin uses, as it uses it', async (line) => {
    const problems: string[] = [];
    for (const name of used) {
      const found = await levitate.getIncompatibilitiesBetweenPackages(program, `${name}@${installedVersion(name)}`, `${name}@${line}`, {});
      problems.push(...found.filter((i) => i.removal !== undefined || (i.change !== undefined && isRealChange(i.change))).map((i) => `${name}: ${describeIncompatibility(i)}`));
    }
    expect(problems).toEqual([]);
  });
});
