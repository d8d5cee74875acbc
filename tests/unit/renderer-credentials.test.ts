/**
 * The renderer's credential provider (renderer/src/aws/credentials.ts) against a scripted bridge and a fake clock,
 * and inside the real DynamoDB client of the AWS SDK (its request handler replaced by one that records which
 * access key signed each request): no request is signed with the previous person's credentials after a switch.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { AwsCredentialsView, Result, SessionView } from '../../common/contract';
import { CredentialsUnavailableError, DEFAULT_REFRESH_MARGIN_MS, fromScrubIn } from '../../renderer/src/aws/credentials';

const T0 = Date.UTC(2026, 11, 5, 7, 0, 0);
const HOUR = 3_600_000;

function view(state: SessionView['state'], username: string | null): SessionView {
  return {
    state,
    mode: 'shared',
    terminalId: 'OR-07',
    display: { language: 'en', textSize: 'normal' },
    user: username ? { username, displayName: username, groups: [], roles: [] } : null,
    role: null,
    sessionStartedAt: null,
    sessionEndsAt: null,
    lockAt: null,
    credentialsExpireAt: null,
    guestAvailable: false,
    settingsAvailable: false,
    federatedLabel: null,
    pendingSignIn: null,
    lastError: null,
    lockWarning: null,
    quickUnlock: null,
    offline: null,
  };
}

/** A bridge whose getCredentials answers are released by the test; it counts calls and pushes session views. */
function scriptedBridge() {
  let listener: ((v: SessionView) => void) | undefined;
  const pending: Array<(r: Result<AwsCredentialsView>) => void> = [];
  let calls = 0;
  let serial = 0;
  let person = 'nurse';
  return {
    bridge: {
      getCredentials: () => {
        calls++;
        return new Promise<Result<AwsCredentialsView>>((resolve) => pending.push(resolve));
      },
      onSessionChanged: (l: (v: SessionView) => void) => {
        listener = l;
        return () => (listener = undefined);
      },
    },
    get calls() {
      return calls;
    },
    get pending() {
      return pending.length;
    },
    setPerson(p: string) {
      person = p;
    },
    /** Answers the oldest outstanding request with fresh credentials of the current person, valid one hour from `now`. */
    answer(now: number) {
      const resolve = pending.shift();
      if (!resolve) throw new Error('no request to answer');
      serial++;
      resolve({
        ok: true,
        value: { accessKeyId: `AKIA-${person}-${serial}`, secretAccessKey: 's', sessionToken: 't', expiration: now + HOUR, roleArn: null },
      });
    },
    refuse(code: string, message: string) {
      pending.shift()?.({ ok: false, error: { code, message, retryable: false } });
    },
    push(v: SessionView) {
      listener?.(v);
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('renderer credential provider', () => {
  it('caches the credentials and shares one request between concurrent callers', async () => {
    let now = T0;
    const s = scriptedBridge();
    const provider = fromScrubIn({ bridge: s.bridge, now: () => now });
    s.push(view('signed-in', 'nurse'));
    const both = Promise.all([provider(), provider()]);
    await settle();
    expect(s.calls).toBe(1);
    s.answer(now);
    const [a, b] = await both;
    expect(a.accessKeyId).toBe('AKIA-nurse-1');
    expect(b).toBe(a);
    now += 30 * 60_000;
    expect((await provider()).accessKeyId).toBe('AKIA-nurse-1');
    expect(s.calls).toBe(1);
  });

  it('asks main again shortly before expiry, not earlier', async () => {
    let now = T0;
    const s = scriptedBridge();
    const provider = fromScrubIn({ bridge: s.bridge, now: () => now });
    s.push(view('signed-in', 'nurse'));
    const first = provider();
    await settle();
    s.answer(now);
    await first;
    now = T0 + HOUR - DEFAULT_REFRESH_MARGIN_MS - 1;
    expect((await provider()).accessKeyId).toBe('AKIA-nurse-1');
    expect(s.calls).toBe(1);
    now = T0 + HOUR - DEFAULT_REFRESH_MARGIN_MS;
    const renewed = provider();
    await settle();
    expect(s.calls).toBe(2);
    s.answer(now);
    expect((await renewed).accessKeyId).toBe('AKIA-nurse-2');
    expect((await renewed).expiration?.getTime()).toBe(now + HOUR);
  });

  it('refuses with a typed error while locked or signed out, without asking main', async () => {
    const s = scriptedBridge();
    const provider = fromScrubIn({ bridge: s.bridge, now: () => T0 });
    s.push(view('locked', 'nurse'));
    await expect(provider()).rejects.toMatchObject({ name: 'CredentialsUnavailableError', reason: 'locked', code: 'locked' });
    s.push(view('signed-out', null));
    const error: unknown = await provider().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(error).toMatchObject({ reason: 'signed-out', code: 'signed_out' });
    expect(s.calls).toBe(0);
  });

  it("passes main's refusal on as a typed error with main's code and words", async () => {
    const s = scriptedBridge();
    const provider = fromScrubIn({ bridge: s.bridge, now: () => T0 });
    const asked = provider();
    await settle();
    s.refuse('identity_config', 'The AWS access for this hospital is not set up for your role.');
    await expect(asked).rejects.toMatchObject({ reason: 'refused', code: 'identity_config', message: 'The AWS access for this hospital is not set up for your role.' });
  });

  it('drops the credentials on lock and asks again after the unlock', async () => {
    const s = scriptedBridge();
    const provider = fromScrubIn({ bridge: s.bridge, now: () => T0 });
    s.push(view('signed-in', 'nurse'));
    const first = provider();
    await settle();
    s.answer(T0);
    await first;
    s.push(view('locked', 'nurse'));
    await expect(provider()).rejects.toMatchObject({ reason: 'locked' });
    s.push(view('signed-in', 'nurse'));
    const again = provider();
    await settle();
    expect(s.calls).toBe(2);
    s.answer(T0);
    expect((await again).accessKeyId).toBe('AKIA-nurse-2');
  });

  it('throws away an answer that arrives after the session changed (it is never cached nor handed out)', async () => {
    const s = scriptedBridge();
    const provider = fromScrubIn({ bridge: s.bridge, now: () => T0 });
    s.push(view('signed-in', 'nurse'));
    const late = provider();
    await settle();
    s.push(view('signed-in', 'charge'));
    s.answer(T0); // the nurse's credentials, answered after the switch
    await expect(late).rejects.toMatchObject({ reason: 'session-changed' });
    s.setPerson('charge');
    const fresh = provider();
    await settle();
    s.answer(T0);
    expect((await fresh).accessKeyId).toBe('AKIA-charge-2');
  });

  it('keeps a request made before the first push when that push shows the same open session', async () => {
    const s = scriptedBridge();
    const provider = fromScrubIn({ bridge: s.bridge, now: () => T0 });
    const early = provider();
    await settle();
    s.push(view('signed-in', 'nurse'));
    s.answer(T0);
    expect((await early).accessKeyId).toBe('AKIA-nurse-1');
  });

  it('inside the AWS SDK: after a switch no request is signed with the previous person’s credentials', async () => {
    // The SDK judges expiry on the system clock: these credentials must look fresh to it, or it would ask the
    // provider before every request anyway and the test could not notice an SDK-side cache.
    const start = Date.now();
    const s = scriptedBridge();
    const provider = fromScrubIn({ bridge: s.bridge, now: () => start });
    const signedWith: string[] = [];
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: provider,
      maxAttempts: 1,
      requestHandler: {
        handle: (request: { headers: Record<string, string> }) => {
          signedWith.push(/Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? 'unsigned');
          const body = new TextEncoder().encode('{"Items":[],"Count":0,"ScannedCount":0}');
          return Promise.resolve({ response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body } });
        },
      },
    });
    const query = () => client.send(new QueryCommand({ TableName: 'ScrubInCases', KeyConditionExpression: 'roomDay = :d', ExpressionAttributeValues: { ':d': { S: 'OR-07#2026-12-05' } } }));
    s.push(view('signed-in', 'nurse'));
    const first = query();
    await settle();
    s.answer(start);
    await first;
    await query();
    expect(signedWith).toEqual(['AKIA-nurse-1', 'AKIA-nurse-1']);

    // Switch: the nurse leaves (locked, then someone else signs in). While locked nothing is signed at all.
    s.push(view('locked', 'nurse'));
    await expect(query()).rejects.toBeInstanceOf(CredentialsUnavailableError);
    s.push(view('signing-in', null));
    s.push(view('signed-in', 'charge'));
    s.setPerson('charge');
    const afterSwitch = query();
    await settle();
    s.answer(start);
    await afterSwitch;
    expect(signedWith).toEqual(['AKIA-nurse-1', 'AKIA-nurse-1', 'AKIA-charge-2']);
    client.destroy();
  });
});
