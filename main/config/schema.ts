import { z } from 'zod';
import { LanguageSchema } from '../../common/contract';

/**
 * The app's private-use URI scheme (RFC 8252 §7.1: reverse DNS of a domain the project controls).
 * Installers register it; the redirect and logout URIs must use it.
 */
export const APP_SCHEME = 'app.scrubin';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** https anywhere, http only on loopback (local-cognito); no credentials, query or fragment. */
const serviceUrl = (what: string) =>
  z
    .string({ error: `expected ${what} as a URL string` })
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected ${what} as an absolute URL, got "${value}"` });
        return;
      }
      if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} must use https (plain http is only allowed on the loopback address 127.0.0.1 for local testing)`,
        });
      } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        ctx.addIssue({ code: 'custom', message: `${what} must be an https URL, got protocol "${url.protocol}"` });
      }
      if (url.username || url.password) ctx.addIssue({ code: 'custom', message: `${what} must not contain a user name or password` });
      if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: `${what} must not contain a query string or fragment` });
    })
    .transform((value) => value.replace(/\/+$/, ''));

/** A URI on the app's own scheme, e.g. `app.scrubin:/callback` (RFC 8252 single-slash form). */
const appSchemeUri = (what: string) =>
  z.string({ error: `expected ${what} as a string like "${APP_SCHEME}:/callback"` }).superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected ${what} as a URI like "${APP_SCHEME}:/callback", got "${value}"` });
      return;
    }
    if (url.protocol !== `${APP_SCHEME}:`) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must use the app's registered scheme "${APP_SCHEME}:" (e.g. "${APP_SCHEME}:/callback"), got "${url.protocol}"`,
      });
      return;
    }
    if (url.host !== '' || !url.pathname.startsWith('/') || url.pathname.length < 2) {
      ctx.addIssue({ code: 'custom', message: `${what} must have the form "${APP_SCHEME}:/<path>" with no host, got "${value}"` });
    }
    if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: `${what} must not contain a query string or fragment` });
  });

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as "us-east-1"');
const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'expected an IAM role ARN such as "arn:aws:iam::123456789012:role/Nurse"');

const dynamoTableName = z.string().regex(/^[\w.-]{3,255}$/, 'expected a DynamoDB table name of 3 to 255 letters, digits, "_", "." or "-"');

const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'expected an OAuth scope without spaces or quotes');

export const UserPoolConfigSchema = z.strictObject({
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>` (or the issuer-cognito-idp form, or local-cognito on loopback). */
  issuer: serviceUrl('userPool.issuer'),
  /** App client id (public client, no secret). */
  clientId: z.string().regex(/^[\w+]{1,128}$/, 'expected the app client id (letters and digits, as shown in the Cognito console)'),
  /** Managed-login domain, e.g. `https://or-hospital.auth.us-east-1.amazoncognito.com` or a custom domain. */
  domain: serviceUrl('userPool.domain'),
  scopes: z
    .array(scope)
    .min(1)
    .refine((s) => s.includes('openid'), 'the scopes must include "openid"')
    .refine((s) => new Set(s).size === s.length, 'the scopes must not repeat')
    .default(['openid', 'email', 'profile']),
  /** Federated IdP name as configured in the pool; when set, sign-in skips the picker and goes straight there. */
  identityProvider: z.string().min(1).max(128).optional(),
  /** Label of the hospital SSO button when `identityProvider` is set. */
  identityProviderLabel: z.string().min(1).max(60).optional(),
});

export const IdentityPoolConfigSchema = z.strictObject({
  id: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f-]{36}$/, 'expected an identity pool id such as "us-east-1:1a2b3c4d-..."'),
  region,
  /** Override of the cognito-identity endpoint (local-cognito, VPC endpoints). */
  endpoint: serviceUrl('identityPool.endpoint').optional(),
  /** Whether the pool allows unauthenticated (guest) identities and the app offers guest mode. */
  allowGuest: z.boolean().default(false),
  /** Role to request for every user (must be in the user's `cognito:roles`). */
  customRoleArn: roleArn.optional(),
  /**
   * Days a person's IdentityId is remembered on this terminal (saves a GetId at their next sign-in); kept under a
   * salted hash of their `sub`, with no names or times of use. 0 remembers nothing on disk.
   */
  identityIdCacheDays: z.number().int().min(0).max(365).default(30),
});

export const TerminalConfigSchema = z.strictObject({
  mode: z.enum(['shared', 'personal']).default('shared'),
  /** Idle time before the terminal locks; 0 disables the idle lock (personal mode only). */
  idleLockSeconds: z.number().int().min(0).max(24 * 3600).default(300),
  /** Hard session cap (a shift); the session signs out when it is reached. */
  sessionCapHours: z.number().positive().max(24).default(12),
  /** Name of this terminal in audit records, e.g. "OR-07". Defaults to the host name. */
  terminalId: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'expected a terminal id of up to 64 letters, digits, ".", "_" or "-"')
    .optional(),
  /**
   * Kiosk terminal: full screen, no window frame, cannot be closed or minimised from the app or with the usual
   * shortcuts. Leaving it is an IT action (see `kioskExit`). Combine with the OS's own kiosk features (docs/it-guide.md).
   */
  kiosk: z.boolean().default(false),
  /**
   * How a kiosk terminal may be quit besides the OS (log off, shut down, end task): `os-only`, or
   * `signed-out-shortcut` = Ctrl+Alt+Shift+Q while nobody is signed in.
   */
  kioskExit: z.enum(['os-only', 'signed-out-shortcut']).default('os-only'),
  /**
   * Start Scrub In when someone logs in to the terminal. The installers add a start entry that passes
   * `--autostart`; with this off such a start quits at once, so IT switches it here without reinstalling.
   */
  startAtLogin: z.boolean().default(false),
  /**
   * Language of the screens and of Cognito's managed login (`lang`): `en` or `ko`. Not set: the operating
   * system's language when it is one of these, else English (main/config/language.ts).
   */
  language: LanguageSchema.optional(),
  /**
   * Seconds before the idle lock that a full-width countdown warns the person ("Locking in 0:24"); any input
   * dismisses it. 0 = no warning. At most half of `idleLockSeconds` is used (a 30-second idle lock warns for 15).
   */
  lockWarningSeconds: z.number().int().min(0).max(300).default(30),
  /** PIN quick unlock after an idle lock (off by default; docs/terminal-policy.md#quick-unlock). */
  quickUnlock: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Digits of the PIN the person sets on the on-screen keypad. */
      pinLength: z.number().int().min(4).max(8).default(6),
      /** Minutes after an idle lock during which the same person may unlock with the PIN. */
      graceMinutes: z.number().int().min(1).max(60).default(15),
      /** Wrong PINs after which only the full sign-in unlocks. */
      maxAttempts: z.number().int().min(1).max(5).default(3),
    })
    .default({ enabled: false, pinLength: 6, graceMinutes: 15, maxAttempts: 3 }),
});

/** Per-person settings sync (the Cognito Sync successor on DynamoDB; docs/settings-sync.md). */
export const SyncConfigSchema = z.strictObject({
  /** The DynamoDB table of the settings (partition key `identityId`, sort key `sk`). */
  tableName: dynamoTableName.default('ScrubInSettings'),
  /** AWS region of the table. */
  region,
  /** Override of the DynamoDB endpoint (local-cognito, VPC endpoints). */
  endpoint: serviceUrl('sync.endpoint').optional(),
});

/**
 * How main reaches the network (main/net). `proxy`: "system" (the OS settings, PAC/WPAD included, in the app;
 * HTTPS_PROXY / NO_PROXY in plain Node), "direct", a proxy URL (`http://proxy.hospital.local:3128`: scheme, host and
 * port only) or a PAC file URL (`http://wpad.hospital.local/wpad.dat`: a URL with a path; honoured by the app only).
 */
export const NetworkConfigSchema = z.strictObject({
  proxy: z
    .string({ error: 'expected network.proxy as "system", "direct", a proxy URL or a PAC file URL' })
    .superRefine((value, ctx) => {
      const problem = proxySettingProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('system'),
  /** PEM file of extra root certificates (e.g. the hospital's TLS-inspection CA) for terminals whose OS trust store IT cannot change. */
  extraCaFile: z.string().min(1).refine((p) => isAbsolutePath(p), 'expected an absolute path of a PEM file').optional(),
});

/** What is wrong with a `network.proxy` value, or null when it is valid. */
export function proxySettingProblem(value: string): string | null {
  if (value === 'system' || value === 'direct') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `network.proxy must be "system", "direct", a proxy URL like "http://proxy.hospital.local:3128" or a PAC file URL like "http://wpad.hospital.local/wpad.dat", got "${value}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `network.proxy must be an http or https URL, got protocol "${url.protocol}"`;
  if (url.search || url.hash) return 'network.proxy must not contain a query string or fragment';
  // No passwords in configuration files (they end up in support bundles): proxy authentication is the OS's.
  if (url.username || url.password) return 'network.proxy must not contain a user name or password (proxy authentication is left to the operating system)';
  return null;
}

/**
 * An AWS service endpoint the OR screens may call, as an origin: `https://dynamodb.eu-west-1.amazonaws.com`
 * (https only; plain http only on the loopback address, for local-cognito). No path, query, user name or wildcard.
 */
const endpointOrigin = (what: string) =>
  z.string({ error: `expected ${what} as a URL string` }).transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected ${what} as an absolute URL such as "https://dynamodb.eu-west-1.amazonaws.com", got "${value}"` });
      return z.NEVER;
    }
    const problems: string[] = [];
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      problems.push(`${what} must use https (plain http is only allowed on the loopback address 127.0.0.1 for local testing)`);
    } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      problems.push(`${what} must be an https URL, got protocol "${url.protocol}"`);
    }
    if (url.username || url.password) problems.push(`${what} must not contain a user name or password`);
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      problems.push(`${what} must be an origin only (scheme, host and port, e.g. "https://dynamodb.eu-west-1.amazonaws.com"), without a path, query or fragment`);
    }
    if (url.hostname.includes('*')) problems.push(`${what} must name one host: wildcards are not allowed`);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return problems.length ? z.NEVER : url.origin;
  });

/** Where the case board ("Today in <terminal>") reads the schedule (docs/or-views.md). */
export const CaseBoardConfigSchema = z.strictObject({
  /** The DynamoDB table of the schedule (partition key `roomDay` = `<terminal id>#<YYYY-MM-DD>`, sort key `slot`). */
  tableName: dynamoTableName.default('ScrubInCases'),
  /** AWS region of the table. */
  region,
  /** DynamoDB endpoint (default `https://dynamodb.<region>.amazonaws.com`); it must be listed in `orViews.allowedEndpoints`. */
  endpoint: endpointOrigin('orViews.caseBoard.endpoint').optional(),
});

/** The DynamoDB endpoint the case board calls: the configured one, else the region's public endpoint. */
export function caseBoardEndpoint(board: { region: string; endpoint?: string | undefined }): string {
  return board.endpoint ?? `https://dynamodb.${board.region}.amazonaws.com`;
}

/**
 * The OR screens inside Scrub In that call AWS from the renderer with the signed-in person's credentials
 * (docs/or-views.md). `allowedEndpoints` is the whole list of places the renderer may connect to: main builds
 * the renderer's CSP `connect-src` and its request filter from it; everything else stays blocked.
 */
export const OrViewsConfigSchema = z
  .strictObject({
    allowedEndpoints: z
      .array(endpointOrigin('orViews.allowedEndpoints[]'))
      .max(20)
      .refine((list) => new Set(list).size === list.length, 'orViews.allowedEndpoints must not repeat an endpoint')
      .default([]),
    caseBoard: CaseBoardConfigSchema.optional(),
  })
  .superRefine((views, ctx) => {
    if (!views.caseBoard) return;
    const endpoint = caseBoardEndpoint(views.caseBoard);
    if (!views.allowedEndpoints.includes(endpoint)) {
      ctx.addIssue({
        code: 'custom',
        path: ['caseBoard', 'endpoint'],
        message: `the case board calls ${endpoint}, which is not in orViews.allowedEndpoints: add "${endpoint}" there (the renderer may connect only to listed endpoints)`,
      });
    }
  });

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    userPool: UserPoolConfigSchema,
    identityPool: IdentityPoolConfigSchema.optional(),
    redirectUri: appSchemeUri('redirectUri'),
    logoutUri: appSchemeUri('logoutUri'),
    /** Settings that follow a person between terminals; needs `identityPool` (the table is reached with its credentials). */
    sync: SyncConfigSchema.optional(),
    /** OR screens that call AWS from the renderer, and the endpoints they may reach (nothing when absent). */
    orViews: OrViewsConfigSchema.optional(),
    terminal: TerminalConfigSchema.default({
      mode: 'shared',
      idleLockSeconds: 300,
      sessionCapHours: 12,
      kiosk: false,
      kioskExit: 'os-only',
      startAtLogin: false,
      lockWarningSeconds: 30,
      quickUnlock: { enabled: false, pinLength: 6, graceMinutes: 15, maxAttempts: 3 },
    }),
    /** Absolute path of the hash-chained audit log (JSON Lines). Defaults to the app's data folder. */
    auditLogPath: z.string().min(1).refine((p) => isAbsolutePath(p), 'expected an absolute path').optional(),
    /**
     * Machine file only: lets `--config` / `SCRUBIN_CONFIG` replace this file in a packaged build (e.g. on a
     * test terminal). Off by default: a packaged build then reads nothing but the machine-managed file.
     */
    allowUserConfig: z.boolean().default(false),
    /** Proxy and extra CA certificates for every request of main (main/net). */
    network: NetworkConfigSchema.default({ proxy: 'system' }),
  })
  .superRefine((config, ctx) => {
    if (config.redirectUri === config.logoutUri) {
      ctx.addIssue({ code: 'custom', path: ['logoutUri'], message: 'logoutUri must differ from redirectUri' });
    }
    if (config.sync && !config.identityPool) {
      ctx.addIssue({
        code: 'custom',
        path: ['sync'],
        message: 'settings sync uses the identity pool\'s AWS credentials: configure identityPool as well, or remove the sync section',
      });
    }
    if (config.orViews?.caseBoard && !config.identityPool) {
      ctx.addIssue({
        code: 'custom',
        path: ['orViews', 'caseBoard'],
        message: "the case board reads with the identity pool's AWS credentials: configure identityPool as well, or remove orViews.caseBoard",
      });
    }
    if (config.terminal.mode === 'shared' && config.terminal.idleLockSeconds === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['terminal', 'idleLockSeconds'],
        message: 'a shared terminal must lock when idle: set idleLockSeconds to 30 or more (0 is allowed only in personal mode)',
      });
    }
    if (config.terminal.idleLockSeconds > 0 && config.terminal.idleLockSeconds < 30) {
      ctx.addIssue({ code: 'custom', path: ['terminal', 'idleLockSeconds'], message: 'idleLockSeconds must be 0 (off) or at least 30' });
    }
  });

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** The configuration as written in a file. */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** The configuration after validation and defaults. */
export type Config = z.output<typeof ConfigSchema>;
export type UserPoolConfig = Config['userPool'];
export type IdentityPoolConfig = NonNullable<Config['identityPool']>;
export type TerminalConfig = Config['terminal'];
export type SyncConfig = NonNullable<Config['sync']>;
export type NetworkConfig = Config['network'];
export type OrViewsConfig = NonNullable<Config['orViews']>;
