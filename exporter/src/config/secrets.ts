import { readFileSync } from 'node:fs';
import type { Config } from './schema.js';
import { ConfigError } from './load.js';

/**
 * Secrets are read once at start-up from the environment or from files (Kubernetes Secrets mounted as
 * files), never from the config itself. Messages name the variable or file, never the value.
 */
export interface SecretSources {
  env: Record<string, string | undefined>;
  readFile: (file: string) => string;
}

export type WebAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface ResolvedSecrets {
  /** Per target name: the Authorization header to send, and the CA bundle to trust. */
  targets: Map<string, { authorization?: string; ca?: string }>;
  webAuth: WebAuth | null;
}

const defaultSources: SecretSources = { env: process.env, readFile: (f) => readFileSync(f, 'utf8') };

export function resolveSecrets(config: Config, source = '(config)', sources: SecretSources = defaultSources): ResolvedSecrets {
  const problems: string[] = [];
  const secret = (field: string, envName: string | undefined, file: string | undefined): string | undefined => {
    if (envName !== undefined) {
      const value = sources.env[envName];
      if (value === undefined || value === '') problems.push(`${field}Env: environment variable ${envName} is not set`);
      return value?.trim();
    }
    if (file !== undefined) {
      try {
        const value = sources.readFile(file).trim();
        if (value === '') problems.push(`${field}File: ${file} is empty`);
        return value;
      } catch (err) {
        problems.push(`${field}File: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    return undefined;
  };

  const targets = new Map<string, { authorization?: string; ca?: string }>();
  config.targets?.forEach((t, i) => {
    const key = secret(`targets[${i}].apiKey`, t.apiKeyEnv, t.apiKeyFile);
    let ca: string | undefined;
    if (t.tls.caFile !== undefined) {
      try {
        ca = sources.readFile(t.tls.caFile);
      } catch (err) {
        problems.push(`targets[${i}].tls.caFile: cannot read ${t.tls.caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    targets.set(t.name, { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(ca ? { ca } : {}) });
  });

  let webAuth: WebAuth | null = null;
  const auth = config.web.auth;
  if (auth?.basic) {
    const password = secret('web.auth.basic.password', auth.basic.passwordEnv, auth.basic.passwordFile);
    if (password) webAuth = { kind: 'basic', username: auth.basic.username, password };
  } else if (auth?.bearer) {
    const token = secret('web.auth.bearer.token', auth.bearer.tokenEnv, auth.bearer.tokenFile);
    if (token) webAuth = { kind: 'bearer', token };
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { targets, webAuth };
}
