/**
 * Demo users, groups and roles of the local stand-in pool.
 *
 * DEMO ONLY: every password is `OR-demo-2026`. These accounts exist only inside local-cognito on
 * 127.0.0.1 and must never be configured in a real Cognito user pool.
 */
import { localDay, type CaseStatus } from '../common/case-board';

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

/**
 * The demo operating rooms. The case board of a terminal whose id is one of these shows a schedule; any other
 * terminal id gets an empty board. DEMO ONLY: made-up procedures and surgeons, no patient data.
 */
export const DEMO_ROOMS = ['OR-01', 'OR-02', 'OR-03', 'OR-04', 'OR-05', 'OR-06', 'OR-07', 'OR-08'] as const;

/** Roles of the demo identity pool allowed on the case board (the policies in docs/or-views.md). */
export const CASE_BOARD_ROLES = {
  readers: [roleArn('Nurses'), roleArn('Anesthesiologists'), roleArn('ChargeNurses')],
  statusWriters: [roleArn('ChargeNurses')],
} as const;

export interface DemoCase {
  room: string;
  /** `YYYY-MM-DD`, local date. */
  day: string;
  caseId: string;
  /** `HH:MM`, local time. */
  startTime: string;
  procedure: string;
  surgeon: string;
  status: CaseStatus;
}

const PROCEDURES = [
  'Laparoscopic cholecystectomy',
  'Total knee arthroplasty',
  'Inguinal hernia repair',
  'Carpal tunnel release',
  'Laparoscopic appendectomy',
  'Cataract extraction',
  'Hip arthroscopy',
  'Thyroidectomy',
  'Septoplasty',
  'Rotator cuff repair',
];
const SURGEONS = ['Dr. Sam Ortiz', 'Dr. Mina Cho', 'Dr. Leo Grant', 'Dr. Priya Nair'];
const START_TIMES = ['07:30', '09:45', '12:15', '14:30', '16:15'];

/**
 * The demo schedule of yesterday, today and tomorrow (by `now`; local-cognito and the terminal share a machine and
 * its time zone) for every demo room: three to five cases per room
 * and day, the same every run. The first case of each day is in progress, the others scheduled.
 */
export function demoSchedule(now: number): DemoCase[] {
  const cases: DemoCase[] = [];
  for (const offset of [-1, 0, 1]) {
    const day = localDay(now + offset * 86_400_000);
    DEMO_ROOMS.forEach((room, r) => {
      const count = 3 + ((r + offset + 3) % 3);
      for (let i = 0; i < count; i++) {
        cases.push({
          room,
          day,
          caseId: `${room.replace('OR-', 'C')}-${day.replace(/-/g, '').slice(4)}-${i + 1}`,
          startTime: START_TIMES[i] ?? '17:00',
          procedure: PROCEDURES[(r * 3 + i) % PROCEDURES.length] ?? 'Procedure',
          surgeon: SURGEONS[(r + i) % SURGEONS.length] ?? 'Surgeon',
          status: i === 0 ? 'in-progress' : 'scheduled',
        });
      }
    });
  }
  return cases;
}
