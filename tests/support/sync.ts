/**
 * Guest credentials from the standalone local identity pool + DynamoDB front, for the settings-sync tests:
 * a real credentials provider (main/aws) in a guest session. Providers sharing `cacheDir` share the guest
 * identity (the same person on two terminals).
 */
import type { LocalDynamoDb } from '../../local-cognito/dynamodb/standalone';
import { createCredentialsProvider, type CredentialsProvider } from '../../main/aws';
import { ConfigSchema } from '../../main/config/schema';

export async function guestProvider(ld: LocalDynamoDb, cacheDir: string): Promise<CredentialsProvider> {
  const config = ConfigSchema.parse({
    userPool: { issuer: `${ld.origin}/us-east-1_LocalPool`, clientId: 'localclient', domain: ld.origin },
    identityPool: { id: ld.identityPoolId, region: ld.region, endpoint: ld.origin, allowGuest: true },
    redirectUri: 'app.scrubin:/callback',
    logoutUri: 'app.scrubin:/signed-out',
  });
  const provider = createCredentialsProvider({
    config,
    idTokens: { current: () => null, refresh: () => Promise.reject(new Error('no user')) },
    cacheDir,
    gate: () => 'open',
    sleep: () => Promise.resolve(),
  });
  await provider.startGuest();
  return provider;
}
