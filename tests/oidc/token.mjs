// Asks an OpenID provider for an access token by the client credentials grant, as a service
// would, and prints it (or the provider's error, with a failing status).
//
//   node tests/oidc/token.mjs <issuer> <client_id> <client_secret> <resource>
//
// The test's root certificate is trusted through NODE_EXTRA_CA_CERTS.

const [issuer, clientId, clientSecret, resource] = process.argv.slice(2);

const response = await fetch(`${issuer}/token`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'api:read' }),
});
const body = await response.json();
if (!response.ok || !body.access_token) {
  console.error(JSON.stringify(body));
  process.exit(1);
}
console.log(body.access_token);
