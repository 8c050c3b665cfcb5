// A real OpenID provider for the integration tests: panva's certified `oidc-provider`, pinned by
// package-lock.json, served over HTTPS on loopback with the certificate the test generated.
//
//   node tests/oidc/provider.mjs <config.json>
//
// The configuration (written by the test):
//   port         the port to listen on, 0 for a free one (a restart passes the first one again,
//                so that the issuer stays the same)
//   path         the issuer's path ("" or "/realms/a")
//   cert, key    the TLS certificate chain and its private key, PEM files
//   keys         the signing keys, [{ "kid", "pem" }]: PKCS#8 PEM files, published in the JWKS in
//                this order; the first key of an algorithm signs
//   clients      [{ "client_id", "client_secret" }], allowed the client credentials grant
//   resources    { "<resource indicator>": "<alg>" }: the APIs tokens can be asked for, and the
//                algorithm their JWT access tokens are signed with
//
// Prints one JSON line, {"issuer": "https://127.0.0.1:<port><path>"}, once it listens.

import { readFileSync } from 'node:fs';
import * as crypto from 'node:crypto';
import * as https from 'node:https';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const jwks = {
  keys: config.keys.map(({ kid, pem }) => ({
    ...crypto.createPrivateKey(readFileSync(pem)).export({ format: 'jwk' }),
    kid,
    use: 'sig',
  })),
};

const server = https.createServer({
  cert: readFileSync(config.cert),
  key: readFileSync(config.key),
});

server.listen(config.port, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `https://127.0.0.1:${port}${config.path}`;
  const provider = new Provider(issuer, {
    jwks,
    clients: config.clients.map(({ client_id, client_secret }) => ({
      client_id,
      client_secret,
      grant_types: ['client_credentials'],
      // No ID tokens are issued, but the client's metadata must name an algorithm the keys
      // offer: the first resource's.
      id_token_signed_response_alg: Object.values(config.resources)[0],
      redirect_uris: [],
      response_types: [],
    })),
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const alg = config.resources[indicator];
          if (!alg) throw new errors.InvalidTarget();
          return {
            scope: 'api:read',
            audience: indicator,
            accessTokenTTL: 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg } },
          };
        },
      },
    },
  });
  // Mounted under the issuer's path, as a realm of a multi-tenant provider would be.
  const callback = provider.callback();
  server.on('request', (request, response) => {
    if (config.path && request.url.startsWith(config.path)) {
      request.url = request.url.slice(config.path.length) || '/';
    }
    callback(request, response);
  });
  console.log(JSON.stringify({ issuer }));
});
