/**
 * The small part of oidc-provider 9's API that local-cognito uses (the package ships no types and
 * @types/oidc-provider is not installed). Only what is called here is declared.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    accountId?: string;
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
    kind?: string;
    jti?: string;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface OIDCClient {
    clientId: string;
    grantTypeAllowed(type: string): boolean;
  }

  export interface GrantInstance {
    jti: string;
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface GrantConstructor {
    new (init: { clientId: string; accountId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
    prototype: { generateTokenId: () => string };
  }

  export interface OIDCContextLike {
    client?: OIDCClient;
    session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
    result?: { consent?: { grantId?: string } };
    params?: Record<string, unknown>;
    requestParamScopes: Set<string>;
    route?: string;
    entities: Record<string, unknown>;
    provider: Provider;
  }

  export interface KoaContextWithOIDC {
    oidc: OIDCContextLike;
    path: string;
    method: string;
    status: number;
    body: unknown;
    type: string;
    host: string;
    set(name: string, value: string): void;
    remove(name: string): void;
    response: { get(name: string): string };
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims?: unknown, rejected?: string[]): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  export interface TokenLike {
    kind: string;
    accountId?: string;
    clientId?: string;
    grantId?: string;
    jti: string;
    scope?: string;
    authTime?: number;
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string };
    grantId?: string;
    exp: number;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export const errors: {
    InvalidRequest: new (description?: string) => Error;
    InvalidGrant: new (description?: string) => Error;
  };

  export interface IdTokenInstance {
    ctx?: KoaContextWithOIDC;
    /** The claims offered to the token (before the scope mask). */
    available: Record<string, unknown>;
    set: (this: IdTokenInstance, key: string, value: unknown) => void;
    issue: (this: IdTokenInstance, options?: { use?: string; expiresAt?: number | null }) => Promise<string>;
  }

  /** An access token while it is being issued (what `generateTokenId` / `getValueAndPayload` see). */
  export interface AccessTokenInstance {
    jti: string;
    format?: string;
    accountId?: string;
    clientId?: string;
    grantId?: string;
    scope?: string;
    iat?: number;
    /** Lifetime in seconds. */
    readonly expiration: number;
  }

  export interface PolicyPrompt {
    name: string;
    checks: { remove(name: string): void };
  }

  export const interactionPolicy: {
    base(): PolicyPrompt[] & { get(name: string): PolicyPrompt | undefined };
  };

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    issuer: string;
    proxy: boolean;
    Grant: GrantConstructor;
    /** The context of the request being handled (oidc-provider keeps it in an AsyncLocalStorage). */
    static readonly ctx: KoaContextWithOIDC | undefined;
    AccessToken: {
      prototype: {
        generateTokenId: (this: AccessTokenInstance) => string;
        getValueAndPayload: (this: AccessTokenInstance) => Promise<{ value: string; payload?: AdapterPayload }>;
      };
    };
    RefreshToken: { prototype: { generateTokenId: () => string } };
    IdToken: { prototype: IdTokenInstance };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: Middleware): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
  }
}
