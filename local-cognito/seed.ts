/**
 * Demo users, groups and roles of the local stand-in pool.
 *
 * DEMO ONLY: every password is `OR-demo-2026`. These accounts exist only inside local-cognito on
 * 127.0.0.1 and must never be configured in a real Cognito user pool.
 */

export const DEMO_PASSWORD = 'OR-demo-2026';
export const DEMO_ACCOUNT_ID = '000000000000';

export const roleArn = (name: string): string => `arn:aws:iam::${DEMO_ACCOUNT_ID}:role/ScrubIn-${name}`;

/** Default roles of the identity pool. */
export const AUTHENTICATED_ROLE_ARN = roleArn('Authenticated');
export const GUEST_ROLE_ARN = roleArn('Guest');

export interface DemoGroup {
  name: string;
  /** Lower wins for `cognito:preferred_role`; equal lowest precedences mean no preferred role. */
  precedence: number;
  roleArn: string;
}

export const DEMO_GROUPS = {
  nurses: { name: 'nurses', precedence: 10, roleArn: roleArn('Nurses') },
  'charge-nurses': { name: 'charge-nurses', precedence: 5, roleArn: roleArn('ChargeNurses') },
  surgeons: { name: 'surgeons', precedence: 10, roleArn: roleArn('Surgeons') },
  anesthesiologists: { name: 'anesthesiologists', precedence: 10, roleArn: roleArn('Anesthesiologists') },
  'it-admins': { name: 'it-admins', precedence: 1, roleArn: roleArn('ItAdmins') },
} as const satisfies Record<string, DemoGroup>;

export type DemoGroupName = keyof typeof DEMO_GROUPS;

export interface DemoUser {
  username: string;
  /** Stable `sub` (a UUID, as Cognito issues). */
  sub: string;
  name: string;
  email: string;
  password: string;
  groups: DemoGroupName[];
  enabled: boolean;
}

export const DEMO_USERS: readonly DemoUser[] = [
  user('nurse', '1', 'Nora Hale', ['nurses']),
  user('surgeon', '2', 'Sam Ortiz', ['surgeons']),
  user('anesthesiologist', '3', 'Ana Park', ['anesthesiologists']),
  user('itadmin', '4', 'Ivan Stone', ['it-admins']),
  user('charge', '5', 'Chris Lee', ['nurses', 'charge-nurses']),
  user('float', '6', 'Fran Diaz', ['nurses', 'surgeons']),
  { ...user('disabled', '7', 'Dana Gray', ['nurses']), enabled: false },
];

function user(username: string, n: string, name: string, groups: DemoGroupName[]): DemoUser {
  return {
    username,
    sub: `5c0b1e2a-0000-4000-8000-00000000000${n}`,
    name,
    email: `${username}@or.example.org`,
    password: DEMO_PASSWORD,
    groups,
    enabled: true,
  };
}

/** Cognito's group claims for a user: groups, their roles, and the preferred role (absent on a precedence tie). */
export function groupClaims(u: Pick<DemoUser, 'groups'>): {
  'cognito:groups': string[];
  'cognito:roles': string[];
  'cognito:preferred_role'?: string;
} {
  const groups = u.groups.map((g) => DEMO_GROUPS[g]);
  const out: { 'cognito:groups': string[]; 'cognito:roles': string[]; 'cognito:preferred_role'?: string } = {
    'cognito:groups': groups.map((g) => g.name),
    'cognito:roles': groups.map((g) => g.roleArn),
  };
  if (groups.length > 0) {
    const lowest = Math.min(...groups.map((g) => g.precedence));
    const best = groups.filter((g) => g.precedence === lowest);
    if (best.length === 1 && best[0]) out['cognito:preferred_role'] = best[0].roleArn;
  }
  return out;
}
