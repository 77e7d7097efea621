// The benchmark's WebCrypto floor: the least any JS Worker does to check an ES256 token with
// the runtime's crypto.subtle (the key imported once; no claims, no policy, no cache). It
// shows how much of a verified request is WebCrypto's own cost in this runtime.
let key;

export default {
  async fetch(request, env) {
    key ??= await crypto.subtle.importKey('jwk', JSON.parse(env.JWK), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const token = (request.headers.get('authorization') ?? '').slice(7);
    const dot = token.lastIndexOf('.');
    const b64 = token.slice(dot + 1).replace(/-/g, '+').replace(/_/g, '/');
    const signature = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new TextEncoder().encode(token.slice(0, dot));
    const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, data);
    return new Response('{}', { status: ok ? 200 : 401 });
  },
};
