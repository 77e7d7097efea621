// The same job as the jwtgate example, with panva's jose: a remote JWK Set
// (createRemoteJWKSet: cacheMaxAge 10 min, cooldown 30 s) and jwtVerify, in the same workerd.
import { createRemoteJWKSet, jwtVerify } from 'jose';

let jwks;

export default {
  async fetch(request, env) {
    jwks ??= createRemoteJWKSet(new URL(env.JWTGATE_JWKS_URL));
    const auth = request.headers.get('authorization') ?? '';
    const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7) : '';
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: env.JWTGATE_ISSUER,
        audience: env.JWTGATE_AUDIENCE,
        algorithms: ['ES256'],
      });
      const body = JSON.stringify({ sub: payload.sub ?? null, role: payload.role ?? null, claims: payload });
      return new Response(body, { headers: { 'content-type': 'application/json' } });
    } catch (e) {
      return new Response(JSON.stringify({ valid: false, code: e.code ?? 'ERR' }), {
        status: 401,
        headers: { 'content-type': 'application/json' },
      });
    }
  },
};
