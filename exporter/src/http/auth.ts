import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { WebAuth } from '../config/secrets.js';

/** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function authorized(auth: WebAuth, header: string | undefined): boolean {
  if (!header) return false;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (auth.kind === 'bearer') return scheme === 'bearer' && same(value, auth.token);
  if (scheme !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both halves are compared whatever the first gives, so a wrong user name takes as long as a wrong password.
  const userOk = same(decoded.slice(0, colon), auth.username);
  const passwordOk = same(decoded.slice(colon + 1), auth.password);
  return userOk && passwordOk;
}

/** Every route but the health checks (kubelets and load balancers probe them without credentials). */
export function requireAuth(auth: WebAuth | null, open: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!auth || open.includes(req.path) || authorized(auth, req.headers.authorization)) return next();
    res.setHeader('WWW-Authenticate', auth.kind === 'basic' ? 'Basic realm="kvcanary", charset="UTF-8"' : 'Bearer realm="kvcanary"');
    res.status(401).type('text/plain').send('unauthorized\n');
  };
}
