import { readFileSync } from 'node:fs';
import type { Config } from './schema.js';
import { ConfigError } from './load.js';

/**
 * Secrets come from the environment or from files (Kubernetes Secrets mounted as files), never from
 * the config itself. Messages name the variable or file, never the value.
 *
 * A target's API key is not needed to start: a missing one leaves that target unprobed (and says so)
 * while the exporter serves everything else, and it is read again until it appears, so a Secret the
 * kubelet mounts later is picked up without a restart. The web password and token are read once:
 * without them /metrics could only be served unprotected, so a missing one stops the start-up.
 */
export interface SecretSources {
  env: Record<string, string | undefined>;
  readFile: (file: string) => string;
}

export type WebAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

/** One read of a secret: its value, or what is missing, naming the config field and the variable or file. */
export type SecretRead = { value: string } | { problem: string };

export interface TargetSecrets {
  /** Reads the target's API key again on every call; null when the target names none. */
  apiKey: (() => SecretRead) | null;
  /** The CA bundle to trust (tls.caFile), read at start-up. */
  ca?: string;
}

export interface ResolvedSecrets {
  /** Per target name. */
  targets: Map<string, TargetSecrets>;
  webAuth: WebAuth | null;
}

const defaultSources: SecretSources = { env: process.env, readFile: (f) => readFileSync(f, 'utf8') };

/** Where the config says a secret is: an environment variable or a file. */
type SecretLocation = { env: string } | { file: string };

function locate(envName: string | undefined, file: string | undefined): SecretLocation | null {
  if (envName !== undefined) return { env: envName };
  return file === undefined ? null : { file };
}

/** `field` is the config path without its Env/File suffix: `targets[0].apiKey`. */
function readSecret(field: string, at: SecretLocation, sources: SecretSources): SecretRead {
  if ('env' in at) {
    const value = sources.env[at.env]?.trim();
    return value ? { value } : { problem: `${field}Env: environment variable ${at.env} is not set` };
  }
  try {
    const value = sources.readFile(at.file).trim();
    return value ? { value } : { problem: `${field}File: ${at.file} is empty` };
  } catch (err) {
    return { problem: `${field}File: cannot read ${at.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

export function resolveSecrets(config: Config, source = '(config)', sources: SecretSources = defaultSources): ResolvedSecrets {
  const problems: string[] = [];
  const required = (field: string, envName: string | undefined, file: string | undefined): string | undefined => {
    const at = locate(envName, file);
    if (at === null) return undefined;
    const read = readSecret(field, at, sources);
    if ('problem' in read) problems.push(read.problem);
    return 'value' in read ? read.value : undefined;
  };

  const targets = new Map<string, TargetSecrets>();
  config.targets?.forEach((t, i) => {
    const at = locate(t.apiKeyEnv, t.apiKeyFile);
    const apiKey = at === null ? null : () => readSecret(`targets[${i}].apiKey`, at, sources);
    let ca: string | undefined;
    if (t.tls.caFile !== undefined) {
      try {
        ca = sources.readFile(t.tls.caFile);
      } catch (err) {
        problems.push(`targets[${i}].tls.caFile: cannot read ${t.tls.caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    targets.set(t.name, { apiKey, ...(ca ? { ca } : {}) });
  });

  let webAuth: WebAuth | null = null;
  const auth = config.web.auth;
  if (auth?.basic) {
    const password = required('web.auth.basic.password', auth.basic.passwordEnv, auth.basic.passwordFile);
    if (password) webAuth = { kind: 'basic', username: auth.basic.username, password };
  } else if (auth?.bearer) {
    const token = required('web.auth.bearer.token', auth.bearer.tokenEnv, auth.bearer.tokenFile);
    if (token) webAuth = { kind: 'bearer', token };
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { targets, webAuth };
}
