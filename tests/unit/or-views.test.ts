/**
 * Issue 23, main and local-cognito sides: the endpoint allowlist in the configuration, the CSP and the request
 * filter built from it, the reload when the person leaves, and the case-board role policies local-cognito enforces.
 */
import { describe, expect, it } from 'vitest';
import type { SessionView } from '../../common/contract';
import { ConfigSchema } from '../../main/config';
import { contentSecurityPolicy } from '../../main/shell/assets';
import { reloadWhenPersonLeaves } from '../../main/shell/reload';
import { orViewsOf, rendererEndpoints, rendererRequestAllowed } from '../../main/shell/renderer-endpoints';
import { authorize, type PolicyContext } from '../../local-cognito/dynamodb/policy';
import { CASE_BOARD_ROLES, demoSchedule, roleArn } from '../../local-cognito/seed';
import type { IssuedCredentials } from '../../local-cognito/identity-pool';

const BASE = {
  userPool: { issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz', clientId: 'abc123', domain: 'https://or.auth.eu-west-1.amazoncognito.com' },
  identityPool: { id: 'eu-west-1:7c1a9e4e-5c1b-4f3e-9a55-0d1c0ffee001', region: 'eu-west-1' },
  redirectUri: 'app.scrubin:/callback',
  logoutUri: 'app.scrubin:/logout',
};
const DDB = 'https://dynamodb.eu-west-1.amazonaws.com';

function problems(orViews: unknown, extra: Record<string, unknown> = {}): string[] {
  const parsed = ConfigSchema.safeParse({ ...BASE, ...extra, orViews });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('orViews configuration', () => {
  it('accepts https origins and loopback http, and defaults the board to the region endpoint', () => {
    expect(problems({ allowedEndpoints: [DDB, 'http://127.0.0.1:4566'], caseBoard: { region: 'eu-west-1' } })).toEqual([]);
    const config = ConfigSchema.parse({ ...BASE, orViews: { allowedEndpoints: [`${DDB}/`], caseBoard: { region: 'eu-west-1' } } });
    expect(rendererEndpoints(config)).toEqual([DDB]);
    expect(orViewsOf(config)).toEqual({ caseBoard: { tableName: 'ScrubInCases', region: 'eu-west-1', endpoint: DDB } });
    expect(orViewsOf(ConfigSchema.parse(BASE))).toEqual({ caseBoard: null });
  });

  it('refuses plain http off loopback, paths, credentials, wildcards and repeats, naming the field', () => {
    expect(problems({ allowedEndpoints: ['http://dynamodb.eu-west-1.amazonaws.com'] })[0]).toMatch(/^orViews\.allowedEndpoints\.0: .*must use https/);
    expect(problems({ allowedEndpoints: [`${DDB}/tables`] })[0]).toMatch(/origin only/);
    expect(problems({ allowedEndpoints: ['https://user:pw@dynamodb.eu-west-1.amazonaws.com'] })[0]).toMatch(/user name or password/);
    expect(problems({ allowedEndpoints: ['https://*.amazonaws.com'] }).join('\n')).toMatch(/wildcards|absolute URL/);
    expect(problems({ allowedEndpoints: [DDB, DDB] })[0]).toMatch(/must not repeat/);
    expect(problems({ allowedEndpoints: ['ftp://dynamodb.eu-west-1.amazonaws.com'] })[0]).toMatch(/https URL/);
  });

  it('refuses a case board whose endpoint is not on the list, or without an identity pool', () => {
    expect(problems({ allowedEndpoints: [], caseBoard: { region: 'eu-west-1' } })).toEqual([
      `orViews.caseBoard.endpoint: the case board calls ${DDB}, which is not in orViews.allowedEndpoints: add "${DDB}" there (the renderer may connect only to listed endpoints)`,
    ]);
    const noPool = ConfigSchema.safeParse({ ...BASE, identityPool: undefined, orViews: { allowedEndpoints: [DDB], caseBoard: { region: 'eu-west-1' } } });
    expect(noPool.success ? [] : noPool.error.issues.map((i) => i.path.join('.'))).toEqual(['orViews.caseBoard']);
  });
});

describe('CSP and request filter from the allowlist', () => {
  it('connect-src is the app plus exactly the listed origins', () => {
    expect(contentSecurityPolicy([])).toContain("connect-src 'self';");
    expect(contentSecurityPolicy([DDB, 'http://127.0.0.1:4566'])).toContain(`connect-src 'self' ${DDB} http://127.0.0.1:4566;`);
    expect(() => contentSecurityPolicy(["https://x.example; script-src 'unsafe-inline'"])).toThrow(/not an endpoint origin/);
  });

  it('lets through the app, devtools and listed origins only (exact scheme, host and port)', () => {
    const list = [DDB, 'http://127.0.0.1:4566'];
    expect(rendererRequestAllowed('app://scrubin/assets/index.js', list)).toBe(true);
    expect(rendererRequestAllowed('devtools://devtools/bundled/x.html', list)).toBe(true);
    expect(rendererRequestAllowed(`${DDB}/`, list)).toBe(true);
    expect(rendererRequestAllowed('http://127.0.0.1:4566/', list)).toBe(true);
    for (const url of [
      'https://dynamodb.eu-west-1.amazonaws.com.attacker.example/',
      'http://dynamodb.eu-west-1.amazonaws.com/',
      'https://dynamodb.eu-west-1.amazonaws.com:8443/',
      'https://s3.eu-west-1.amazonaws.com/',
      'http://127.0.0.1:4567/',
      'https://user@dynamodb.eu-west-1.amazonaws.com/',
      'wss://dynamodb.eu-west-1.amazonaws.com/',
      'app://other/x',
      'not a url',
    ]) {
      expect(rendererRequestAllowed(url, list), url).toBe(false);
    }
    expect(rendererRequestAllowed(`${DDB}/`, [])).toBe(false);
  });
});

describe('reload when the person leaves', () => {
  const v = (state: SessionView['state'], username: string | null) => ({ state, user: username ? { username } : null }) as SessionView;
  it('reloads on sign-out and switch, not on lock, unlock, first sign-in or guest', () => {
    let reloads = 0;
    const listener = reloadWhenPersonLeaves(() => reloads++);
    for (const view of [v('signed-out', null), v('guest', null), v('signed-in', 'nurse'), v('locked', 'nurse'), v('signed-in', 'nurse')]) listener(view);
    expect(reloads).toBe(0);
    listener(v('signed-in', 'charge'));
    expect(reloads).toBe(1);
    listener(v('signed-out', null));
    listener(v('signed-out', null));
    expect(reloads).toBe(2);
  });
});

describe('local-cognito case-board policies', () => {
  const ctx: PolicyContext = {
    region: 'us-east-1',
    accountId: '000000000000',
    tableName: 'ScrubInSettings',
    partitionKey: 'identityId',
    allowGuests: false,
    caseBoard: { tableName: 'ScrubInCases', ...CASE_BOARD_ROLES, writableAttributes: ['roomDay', 'slot', 'status'] },
  };
  const caller = (role: string, authenticated = true): IssuedCredentials => ({
    identityId: 'us-east-1:x',
    roleArn: roleArn(role),
    authenticated,
    accessKeyId: 'a',
    secretAccessKey: 's',
    sessionToken: 't',
    expiresAt: 0,
  });
  const query = { TableName: 'ScrubInCases', KeyConditionExpression: '#pk = :d', ExpressionAttributeNames: { '#pk': 'roomDay' }, ExpressionAttributeValues: { ':d': { S: 'OR-07#2026-12-05' } } };
  const update = {
    TableName: 'ScrubInCases',
    Key: { roomDay: { S: 'OR-07#2026-12-05' }, slot: { S: '09:45#C07-1205-2' } },
    UpdateExpression: 'SET #status = :status',
    ConditionExpression: 'attribute_exists(#slot)',
    ExpressionAttributeNames: { '#status': 'status', '#slot': 'slot' },
    ExpressionAttributeValues: { ':status': { S: 'in-room' } },
  };
  const allowed = (op: string, body: unknown, who: IssuedCredentials): boolean => {
    try {
      authorize(op, body, who, ctx);
      return true;
    } catch (error) {
      expect((error as { type?: string }).type).toBe('AccessDeniedException');
      return false;
    }
  };

  it('nurses, anesthesiologists and charge nurses read; surgeons, IT, the default role and guests do not', () => {
    for (const role of ['Nurses', 'Anesthesiologists', 'ChargeNurses']) expect(allowed('Query', query, caller(role)), role).toBe(true);
    for (const role of ['Surgeons', 'ItAdmins', 'Authenticated']) expect(allowed('Query', query, caller(role)), role).toBe(false);
    expect(allowed('Query', query, caller('Guest', false))).toBe(false);
    expect(allowed('Query', { ...query, IndexName: 'bySurgeon' }, caller('Nurses'))).toBe(false);
    expect(allowed('Scan', { TableName: 'ScrubInCases' }, caller('ChargeNurses'))).toBe(false);
  });

  it('only the charge nurse changes a status, and only the status', () => {
    expect(allowed('UpdateItem', update, caller('ChargeNurses'))).toBe(true);
    expect(allowed('UpdateItem', update, caller('Nurses'))).toBe(false);
    expect(allowed('UpdateItem', { ...update, UpdateExpression: 'SET #status = :status, surgeon = :status' }, caller('ChargeNurses'))).toBe(false);
    expect(allowed('UpdateItem', { ...update, ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#status': 'procedure' } }, caller('ChargeNurses'))).toBe(false);
    expect(allowed('UpdateItem', { ...update, ReturnValues: 'ALL_NEW' }, caller('ChargeNurses'))).toBe(false);
    expect(allowed('PutItem', { TableName: 'ScrubInCases', Item: update.Key }, caller('ChargeNurses'))).toBe(false);
    expect(allowed('DeleteItem', { TableName: 'ScrubInCases', Key: update.Key }, caller('ChargeNurses'))).toBe(false);
    expect(allowed('BatchWriteItem', { RequestItems: { ScrubInCases: [], ScrubInSettings: [] } }, caller('ChargeNurses'))).toBe(false);
  });

  it('the demo schedule covers yesterday, today and tomorrow for every demo room', () => {
    const cases = demoSchedule(Date.UTC(2026, 11, 5, 12));
    expect(new Set(cases.map((c) => c.day)).size).toBe(3);
    expect(new Set(cases.map((c) => c.room)).size).toBe(8);
    expect(new Set(cases.map((c) => `${c.room}#${c.day}#${c.caseId}`)).size).toBe(cases.length);
  });
});
