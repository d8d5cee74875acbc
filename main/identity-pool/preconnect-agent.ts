/**
 * The identity-pool client's keep-alive HTTP agent, able to open its connection AHEAD of the first request.
 *
 * Without it, a sign-in's GetId / GetCredentialsForIdentity opens a TCP (and, against AWS, TLS) connection on the
 * sign-in's critical path whenever the agent holds no live keep-alive connection: the first sign-in of a terminal,
 * and every sign-in after the service closed the idle connection (minutes between sign-ins on a shared terminal).
 * The terminal calls `preconnect()` when it opens the browser for a sign-in; the person then spends seconds on the
 * login page, and the connection is ready when the callback arrives. Measured on loopback: the first sign-in of a
 * brand-new terminal -10 % (docs/performance.md); across a real network a handshake costs one or two round trips.
 *
 * Only documented extension points of Node's Agent are used: `createConnection` (meant to be overridden) hands
 * the prepared socket to the agent once, for the next connection it needs; `getName`, `sockets` and `freeSockets`
 * tell whether a live connection exists already (then nothing is opened). The socket is made by the agent's own
 * `createConnection` with the options the agent itself would pass (host, port, SNI server name: the same
 * certificate checks), kept unreferenced, and dropped on error, end, close or after `idleMs`.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';

export interface PreconnectAgent {
  readonly agent: http.Agent;
  readonly secure: boolean;
  /** Opens a connection to the endpoint unless the agent has one (idle or busy) or one is prepared already. */
  preconnect(): void;
  /** Closes the prepared connection and every connection of the agent. */
  destroy(): void;
}

export interface PreconnectAgentOptions {
  /** A prepared connection not used within this time is closed (real time). Default 50 s, under common idle limits. */
  idleMs?: number;
  /** Extra options of the underlying agent (tests: a CA for a throw-away certificate). */
  agentOptions?: https.AgentOptions;
}

export function createPreconnectAgent(endpoint: URL, options: PreconnectAgentOptions = {}): PreconnectAgent {
  const secure = endpoint.protocol === 'https:';
  const host = endpoint.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(endpoint.port || (secure ? 443 : 80));
  const idleMs = options.idleMs ?? 50_000;
  const agentOptions: https.AgentOptions = { ...options.agentOptions, keepAlive: true, maxSockets: 50 };
  const agent: http.Agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const target: http.ClientRequestArgs & { servername?: string } = { host, port, ...(secure && isIP(host) === 0 ? { servername: host } : {}) };
  const connect = agent.createConnection.bind(agent); // the agent's own, before it is overridden below
  type Timed = Duplex & { setTimeout?: (ms: number, callback?: () => void) => void; ref?: () => void; unref?: () => void };
  let spare: { socket: Timed; release: () => void } | undefined;

  agent.createConnection = (request: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) => {
    const prepared = spare;
    spare = undefined;
    if (prepared && !prepared.socket.destroyed && prepared.socket.writable && request.host === host && Number(request.port) === port) {
      prepared.release();
      return prepared.socket;
    }
    prepared?.socket.destroy();
    return connect(request, callback);
  };

  return {
    agent,
    secure,
    preconnect() {
      if (spare && !spare.socket.destroyed) return;
      // The agent's own key for this origin: a live connection (in use or idle) makes a new one pointless.
      const name = agent.getName(target);
      if ((agent.sockets[name]?.length ?? 0) > 0 || (agent.freeSockets[name]?.length ?? 0) > 0) return;
      const own = (agent as http.Agent & { options?: object }).options ?? {};
      const created = connect({ ...own, ...target });
      if (!created) return;
      const socket: Timed = created;
      const drop = (): void => {
        if (spare?.socket === socket) spare = undefined;
        socket.destroy();
      };
      // Until the agent takes it: not keeping the process alive, closed when idle too long or ended by the server.
      socket.unref?.();
      socket.setTimeout?.(idleMs, drop);
      socket.on('error', drop);
      socket.on('end', drop);
      socket.on('close', drop);
      const release = (): void => {
        socket.setTimeout?.(0);
        socket.removeListener('timeout', drop);
        socket.removeListener('error', drop);
        socket.removeListener('end', drop);
        socket.removeListener('close', drop);
        socket.ref?.();
      };
      spare = { socket, release };
    },
    destroy() {
      spare?.socket.destroy();
      spare = undefined;
      agent.destroy();
    },
  };
}
