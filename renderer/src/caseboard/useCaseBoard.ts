/**
 * State of the case board: where it reads (asked from main once), the credential provider and DynamoDB client for
 * as long as the board is on screen (both dropped when it leaves: a lock or sign-out unmounts it), the day's cases,
 * a refresh every minute and on demand, and the charge nurse's status change. Requests still running when the board
 * leaves or a newer read starts are aborted, so a late answer never overwrites a newer one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { nextStatus, type CaseStatus } from '../../../common/case-board';
import type { OrViewsView, ScrubInBridge } from '../../../common/contract';
import { fromScrubIn } from '../aws/credentials';
import { createCaseBoardClient, toBoardProblem, type BoardCase, type BoardProblemKind, type CaseBoardClient } from './cases';

export const REFRESH_EVERY_MS = 60_000;

export interface CaseBoardState {
  /** `absent`: no case board configured on this terminal (nothing is shown). */
  phase: 'absent' | 'loading' | 'ready' | 'error';
  cases: BoardCase[];
  unreadable: number;
  /** When the cases shown were read (ms), null before the first read. */
  updatedAt: number | null;
  refreshing: boolean;
  /** Why the last read failed (the cases of an earlier read stay on screen). */
  problem: BoardProblemKind | null;
  /** The case whose status is being changed. */
  saving: string | null;
  /** Why the last status change failed. */
  statusProblem: BoardProblemKind | null;
  /** The last status change that went through, for the live region. */
  changed: { c: BoardCase; status: CaseStatus } | null;
  refresh(): void;
  advance(c: BoardCase): void;
}

type Config = NonNullable<OrViewsView['caseBoard']>;

export function useCaseBoard(bridge: ScrubInBridge, room: string): CaseBoardState {
  const [config, setConfig] = useState<Config | null | undefined>(undefined);
  const [client, setClient] = useState<CaseBoardClient | null>(null);
  const [cases, setCases] = useState<BoardCase[]>([]);
  const [unreadable, setUnreadable] = useState(0);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [problem, setProblem] = useState<BoardProblemKind | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const [statusProblem, setStatusProblem] = useState<BoardProblemKind | null>(null);
  const [changed, setChanged] = useState<CaseBoardState['changed']>(null);
  const reading = useRef<AbortController | null>(null);

  useEffect(() => {
    let live = true;
    bridge
      .getOrViews()
      .then((result) => live && setConfig(result.ok ? result.value.caseBoard : null))
      .catch(() => live && setConfig(null));
    return () => {
      live = false;
    };
  }, [bridge]);

  useEffect(() => {
    if (!config) return;
    const credentials = fromScrubIn({ bridge });
    const made = createCaseBoardClient(config, credentials);
    setClient(made);
    return () => {
      reading.current?.abort();
      made.destroy();
      credentials.dispose();
      setClient(null);
    };
  }, [bridge, config]);

  const refresh = useCallback(() => {
    if (!client) return;
    reading.current?.abort();
    const controller = new AbortController();
    reading.current = controller;
    setRefreshing(true);
    const readAt = Date.now();
    client
      .day(room, readAt, controller.signal)
      .then((day) => {
        if (controller.signal.aborted) return;
        setCases(day.cases);
        setUnreadable(day.unreadable);
        setUpdatedAt(readAt);
        setProblem(null);
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setProblem(toBoardProblem(error).kind);
      })
      .finally(() => {
        if (reading.current === controller) {
          reading.current = null;
          setRefreshing(false);
        }
      });
  }, [client, room]);

  useEffect(() => {
    if (!client) return;
    refresh();
    const timer = setInterval(refresh, REFRESH_EVERY_MS);
    return () => clearInterval(timer);
  }, [client, refresh]);

  const advance = useCallback(
    (c: BoardCase) => {
      const status = nextStatus(c.status);
      if (!client || !status) return;
      setSaving(c.slot);
      setStatusProblem(null);
      client
        .setStatus(c, status)
        .then(() => {
          setChanged({ c, status });
          refresh();
        })
        .catch((error: unknown) => setStatusProblem(toBoardProblem(error).kind))
        .finally(() => setSaving(null));
    },
    [client, refresh],
  );

  const phase: CaseBoardState['phase'] =
    config === null ? 'absent' : updatedAt !== null ? 'ready' : problem !== null ? 'error' : 'loading';
  return { phase, cases, unreadable, updatedAt, refreshing, problem, saving, statusProblem, changed, refresh, advance };
}
