/**
 * "Today in <terminal>": the cases scheduled in this terminal's room today, read from DynamoDB with the signed-in
 * person's AWS credentials. What a person may do is decided by their IAM role, not by this screen: everyone who
 * sees the board is offered the status change, and a role that may not make it gets a plain "only the charge
 * nurse…" (then the buttons go; no reference code: it is not a fault). Guests get no board (App.tsx does not render
 * it for them). Words: the `caseBoard` block of the message catalogues; times through the terminal's locale.
 */
import type { CaseStatus } from '../../../common/case-board';
import { nextStatus } from '../../../common/case-board';
import type { ScrubInBridge } from '../../../common/contract';
import { useTranslation } from 'react-i18next';
import { formatClock, formatTime } from '../format';
import type { Language } from '../i18n';
import type { BoardCase, BoardProblemKind } from './cases';
import { useCaseBoard } from './useCaseBoard';

/** The board's words are in the message catalogues (renderer/src/i18n, `caseBoard`); these tables name their keys. */
const STATUS = {
  scheduled: 'caseBoard.status.scheduled',
  'in-room': 'caseBoard.status.in-room',
  'in-progress': 'caseBoard.status.in-progress',
  closing: 'caseBoard.status.closing',
  done: 'caseBoard.status.done',
} as const satisfies Record<CaseStatus, string>;
const MARK_AS = {
  scheduled: 'caseBoard.markAs.scheduled',
  'in-room': 'caseBoard.markAs.in-room',
  'in-progress': 'caseBoard.markAs.in-progress',
  closing: 'caseBoard.markAs.closing',
  done: 'caseBoard.markAs.done',
} as const satisfies Record<CaseStatus, string>;
const READ_PROBLEM = {
  'access-denied': 'caseBoard.readProblem.access-denied',
  paused: 'caseBoard.readProblem.paused',
  'not-found': 'caseBoard.readProblem.not-found',
  network: 'caseBoard.readProblem.network',
  failed: 'caseBoard.readProblem.failed',
} as const satisfies Record<BoardProblemKind, string>;
const STATUS_PROBLEM = {
  'access-denied': 'caseBoard.statusProblem.access-denied',
  paused: 'caseBoard.statusProblem.paused',
  'not-found': 'caseBoard.statusProblem.not-found',
  network: 'caseBoard.statusProblem.network',
  failed: 'caseBoard.statusProblem.failed',
} as const satisfies Record<BoardProblemKind, string>;

export function CaseBoard({ bridge, room }: { bridge: ScrubInBridge; room: string }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const board = useCaseBoard(bridge, room);
  if (board.phase === 'absent') return null;
  // After a refusal the role plainly may not change statuses: stop offering it.
  const canChange = board.statusProblem !== 'access-denied';
  const time = (ms: number): string => formatTime(language, ms);
  const start = (c: BoardCase): string => formatClock(language, c.startTime);
  const updated = board.updatedAt !== null ? t('caseBoard.updated', { time: time(board.updatedAt) }) : '';
  const problems = [
    board.problem && t(READ_PROBLEM[board.problem]) + (board.updatedAt !== null ? ` ${t('caseBoard.stale', { time: time(board.updatedAt) })}` : ''),
    board.statusProblem && t(STATUS_PROBLEM[board.statusProblem]),
    board.unreadable > 0 && (board.unreadable === 1 ? t('caseBoard.unreadableOne') : t('caseBoard.unreadableMany', { count: board.unreadable })),
  ].filter((p): p is string => typeof p === 'string' && p !== '');

  return (
    <section className="board" aria-labelledby="board-title" aria-busy={board.phase === 'loading' || board.refreshing}>
      <div className="board-head">
        <h2 id="board-title">{t('caseBoard.title', { room })}</h2>
        <button className="secondary" onClick={() => board.refresh()} disabled={board.refreshing || board.phase === 'loading'}>
          {board.refreshing ? t('caseBoard.refreshing') : t('caseBoard.refresh')}
        </button>
      </div>
      <div role="alert">
        {problems.map((p) => (
          <p key={p} className="banner error">
            {p}
          </p>
        ))}
      </div>
      <p className="meta" role="status" aria-live="polite">
        {board.phase === 'loading'
          ? t('caseBoard.loading')
          : board.changed
            ? `${t('caseBoard.changed', { time: start(board.changed.c), procedure: board.changed.c.procedure, status: t(STATUS[board.changed.status]) })} ${updated}`
            : updated}
      </p>
      {board.phase === 'ready' && board.cases.length === 0 && <p className="lead">{t('caseBoard.empty', { room })}</p>}
      {board.cases.length > 0 && (
        <table className="cases">
          <thead>
            <tr>
              <th scope="col">{t('caseBoard.columns.time')}</th>
              <th scope="col">{t('caseBoard.columns.procedure')}</th>
              <th scope="col">{t('caseBoard.columns.surgeon')}</th>
              <th scope="col">{t('caseBoard.columns.status')}</th>
              {canChange && <th scope="col">{t('caseBoard.columns.change')}</th>}
            </tr>
          </thead>
          <tbody>
            {board.cases.map((c) => {
              const next = nextStatus(c.status);
              return (
                <tr key={c.slot}>
                  <td className="time">{start(c)}</td>
                  <td>{c.procedure}</td>
                  <td>{c.surgeon}</td>
                  <td>
                    <span className={`status status-${c.status}`}>{t(STATUS[c.status])}</span>
                  </td>
                  {canChange && (
                    <td>
                      {next && (
                        <button
                          className="secondary compact"
                          disabled={board.saving !== null}
                          aria-label={t('caseBoard.markFor', { action: t(MARK_AS[next]), time: start(c), procedure: c.procedure })}
                          onClick={() => board.advance(c)}
                        >
                          {board.saving === c.slot ? t('caseBoard.saving') : t(MARK_AS[next])}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
