// Tessera over https with strict clients (issue 20, TLS): this suite starts its own
// `tessera serve` ($TESSERA_BIN) with a certificate from `tessera dev-cert`, then
// - the AWS SDK for JavaScript v3 creates a pool, a client and a user and signs in, trusting
//   only the dev CA (a node:https agent with `ca`), and
// - aws-jwt-verify verifies the tokens with its own HTTPS fetcher (node:https, which refuses
//   plain http), fetching the JWKS from Tessera with the dev CA trusted — and refuses to
//   fetch it when the CA is not trusted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

import { startTessera } from './lib/serve.mjs';

const bin = process.env.TESSERA_BIN;
const region = 'us-east-1';
const PASSWORD = 'Tls-Passw0rd!';

describe('https with a dev CA: the AWS SDK and aws-jwt-verify, strict', { timeout: 60_000 }, () => {
  let dir;
  let server;
  let ca;
  let tokens;
  let poolId;
  let clientId;

  before(async () => {
    if (!bin) throw new Error('TESSERA_BIN is not set: run through e2e/run.sh');
    dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    const certs = join(dir, 'certs');
    const made = spawnSync(bin, ['dev-cert', '--out', certs], { encoding: 'utf8' });
    assert.equal(made.status, 0, `tessera dev-cert: ${made.stdout}\n${made.stderr}`);
    ca = readFileSync(join(certs, 'dev-ca.pem'));
    server = await startTessera(bin, {
      dataDir: join(dir, 'data'),
      args: ['--tls-cert-file', join(certs, 'dev-cert.pem'), '--tls-key-file', join(certs, 'dev-cert.key')],
    });
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);

    // The SDK trusts the dev CA only (node:https with `ca` replaces the default roots).
    const requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ ca }) });
    const adminClient = new CognitoIdentityProviderClient({
      endpoint: server.url, region, requestHandler,
      credentials: { accessKeyId: server.akid, secretAccessKey: server.secret },
    });
    const anonymous = new CognitoIdentityProviderClient({
      endpoint: server.url, region, requestHandler,
      credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    });
    poolId = (await adminClient.send(new CreateUserPoolCommand({ PoolName: 'tls' }))).UserPool.Id;
    clientId = (
      await adminClient.send(new CreateUserPoolClientCommand({
        UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }))
    ).UserPoolClient.ClientId;
    await adminClient.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'tia', MessageAction: 'SUPPRESS' }));
    await adminClient.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'tia', Password: PASSWORD, Permanent: true }));
    tokens = (
      await anonymous.send(new InitiateAuthCommand({
        ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'tia', PASSWORD },
      }))
    ).AuthenticationResult;
  });

  after(() => {
    server?.proc.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const verifier = (fetcher) =>
    JwtVerifier.create(
      {
        issuer: `${server.url}/${poolId}`,
        jwksUri: `${server.url}/${poolId}/.well-known/jwks.json`,
        audience: null,
        customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'access', clientId }),
      },
      { jwksCache: new SimpleJwksCache({ fetcher }) },
    );

  test('aws-jwt-verify fetches the JWKS over https with the dev CA and accepts the token', async () => {
    const payload = await verifier(new SimpleFetcher({ defaultRequestOptions: { ca } })).verify(tokens.AccessToken);
    assert.equal(payload.token_use, 'access');
    assert.equal(payload.iss, `${server.url}/${poolId}`);
    assert.equal(payload.client_id, clientId);
  });

  test('without the dev CA the JWKS fetch is refused: the client is strict', async () => {
    await assert.rejects(verifier(new SimpleFetcher()).verify(tokens.AccessToken), (err) => {
      assert.match(`${err?.message} ${err?.cause?.message ?? ''} ${err?.cause?.code ?? ''}`, /certificate|self.signed|CERT/i);
      return true;
    });
  });
});
