#!/usr/bin/env node
import { EXIT_USAGE, UsageError } from '../util/usage-error.js';

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand so that `kvcanary compare` does not pay for the exporter's start-up.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'run the exporter (no config: the embedded simulated cluster)', load: async () => (await import('./serve-command.js')).serveCommand },
  bench: { summary: 'one benchmark run against URL, printing the summary', load: async () => (await import('./bench-command.js')).benchCommand },
  compare: { summary: 'side-by-side table of two bench --json results', load: async () => (await import('./compare-command.js')).compareCommand },
  sim: { summary: 'start a simulated vLLM cluster behind a router', load: async () => (await import('./sim-command.js')).simCommand },
  plan: { summary: 'how fast the alerts catch a regression at this probe rate, and how often they cry wolf', load: async () => (await import('./plan-command.js')).planCommand },
  demo: { summary: 'bench both routers of a simulated cluster once and compare them', load: async () => (await import('./demo-command.js')).demoCommand },
};

const DEFAULT_COMMAND = 'serve';

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: kvcanary <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nkvcanary <command> --help shows a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(usage());
    return 0;
  }
  const named = first !== undefined && !first.startsWith('-');
  const name = named ? first : DEFAULT_COMMAND;
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}' (expected one of: ${Object.keys(COMMANDS).join(', ')})`);
  return (await command.load())(named ? rest : argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`kvcanary: ${err.message}`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    console.error(`kvcanary: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
