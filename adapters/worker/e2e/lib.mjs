// Shared by the end-to-end test and the benchmark: a JWKS server on 127.0.0.1 whose
// behaviour the caller controls, ES256 keys and tokens, and Miniflare (real workerd) runs.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';

// The npm packages live wherever .ci/worker-e2e installed them (JWTGATE_NODE_MODULES).
const modules = process.env.JWTGATE_NODE_MODULES;
if (!modules) throw new Error('set JWTGATE_NODE_MODULES to the npm install dir');
export const require = createRequire(path.join(modules, 'noop.js'));
export const { Miniflare } = require('miniflare');

export const ISSUER = 'https://issuer.jwtgate.test';
export const AUDIENCE = 'authenticated';

/** A P-256 signing key with its public JWK under `kid`. */
export function makeKey(kid) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, jwk };
}

const b64 = (x) => Buffer.from(x).toString('base64url');

/** An ES256 token signed with `key`; `claims` override the defaults (valid for an hour). */
export function token(key, claims = {}, header = {}) {
  const now = Math.floor(Date.now() / 1000);
  const h = b64(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: key.kid, ...header }));
  const p = b64(JSON.stringify({
    iss: ISSUER, aud: AUDIENCE, sub: 'user-1', role: 'authenticated',
    iat: now, exp: now + 3600, ...claims,
  }));
  const sig = crypto.sign('sha256', Buffer.from(`${h}.${p}`), {
    key: key.privateKey, dsaEncoding: 'ieee-p1363',
  });
  return `${h}.${p}.${b64(sig)}`;
}

/**
 * The JWKS server. `mode`: 'up' (200 with the set), 'down' (the connection is dropped),
 * 'redirect' (302 to the real set), 'status500', 'status201' (a set, but not 200).
 * `fetches` counts requests for the set, whatever the mode.
 */
export async function jwksServer(keys) {
  const state = { mode: 'up', fetches: 0, keys, maxAge: null };
  const server = http.createServer((req, res) => {
    if (req.url === '/real-jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: state.keys.map((k) => k.jwk) }));
      return;
    }
    state.fetches += 1;
    const body = JSON.stringify({ keys: state.keys.map((k) => k.jwk) });
    switch (state.mode) {
      case 'down':
        req.socket.destroy();
        return;
      case 'redirect':
        res.writeHead(302, { location: `http://127.0.0.1:${server.address().port}/real-jwks.json` });
        res.end();
        return;
      case 'status500':
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
        return;
      case 'status201':
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(body);
        return;
      default: {
        const headers = { 'content-type': 'application/json' };
        if (state.maxAge !== null) headers['cache-control'] = `max-age=${state.maxAge}`;
        res.writeHead(200, headers);
        res.end(body);
      }
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  state.url = `http://127.0.0.1:${server.address().port}/jwks.json`;
  state.close = () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); });
  return state;
}

/** A Miniflare (workerd) running the Worker built at `buildDir` (worker-build's output). */
export async function startRust(buildDir, bindings, persist) {
  const mf = new Miniflare({
    host: '127.0.0.1',
    modules: [
      { type: 'ESModule', path: path.join(buildDir, 'index.js') },
      { type: 'CompiledWasm', path: path.join(buildDir, 'index_bg.wasm') },
    ],
    modulesRoot: buildDir,
    compatibilityDate: '2026-07-01',
    bindings,
    kvNamespaces: ['JWKS'],
    cache: true,
    cachePersist: persist ? path.join(persist, 'cache') : false,
    kvPersist: persist ? path.join(persist, 'kv') : false,
  });
  await mf.ready;
  return mf;
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
