/**
 * "Today in <terminal>": the cases scheduled in this terminal's room today, read from DynamoDB with the signed-in
 * person's AWS credentials. What a person may do is decided by their IAM role, not by this screen: everyone who
 * sees the board is offered the status change, and a role that may not make it gets a plain "only the charge
 * nurse…" (then the buttons go). Guests get no board (App.tsx does not render it for them).
 */
import type { CaseStatus } from '../../../common/case-board';
import { nextStatus } from '../../../common/case-board';
import type { ScrubInBridge } from '../../../common/contract';
import { formatTime } from '../format';
import type { BoardCase, BoardProblemKind } from './cases';
import { useCaseBoard } from './useCaseBoard';

/** Every word of the board, in one place (moved into the message catalogue with the rest of the UI). */
const STRINGS = {
  title: (room: string) => `Today in ${room}`,
  loading: 'Loading today’s cases…',
  empty: (room: string) => `No cases are scheduled in ${room} today.`,
  updated: (time: string) => `Updated at ${time}.`,
  refreshing: 'Refreshing…',
  refresh: 'Refresh',
  columns: { time: 'Time', procedure: 'Procedure', surgeon: 'Surgeon', status: 'Status', change: 'Change status' },
  status: { scheduled: 'Scheduled', 'in-room': 'Patient in room', 'in-progress': 'In progress', closing: 'Closing', done: 'Done' } satisfies Record<CaseStatus, string>,
  mark: (label: string) => `Mark ${label.toLowerCase()}`,
  markFor: (label: string, c: BoardCase) => `Mark ${label.toLowerCase()}: ${c.startTime} ${c.procedure}`,
  saving: 'Saving…',
  changed: (c: BoardCase, label: string) => `${c.startTime} ${c.procedure} is now: ${label}.`,
  unreadable: (n: number) =>
    `${n === 1 ? 'One case' : `${n} cases`} could not be read and ${n === 1 ? 'is' : 'are'} not shown. Ask hospital IT to check the schedule.`,
  readProblem: {
    'access-denied': 'Your role cannot see the case board. If you need it, ask hospital IT to give your role access to it.',
    paused: 'The case board is paused while nobody is signed in or the terminal is locked.',
    'not-found': 'The case board’s schedule was not found. Ask hospital IT to check the Scrub In configuration.',
    network: 'The case board cannot be reached. Check the network cable or Wi-Fi, then press Refresh.',
    failed: 'The case board could not be loaded. Press Refresh; if it keeps happening, ask hospital IT.',
  } satisfies Record<BoardProblemKind, string>,
  stale: (time: string) => `Still showing the cases read at ${time}.`,
  statusProblem: {
    'access-denied': 'Not changed: only the charge nurse can change a case’s status. Your role can view the board.',
    paused: 'Not changed: the terminal was locked or the person signed in changed.',
    'not-found': 'Not changed: that case is no longer on today’s board. Press Refresh.',
    network: 'Not changed: the case board cannot be reached. Check the network and try again.',
    failed: 'Not changed: something went wrong. Try again; if it keeps happening, ask hospital IT.',
  } satisfies Record<BoardProblemKind, string>,
} as const;

export function CaseBoard({ bridge, room }: { bridge: ScrubInBridge; room: string }) {
  const board = useCaseBoard(bridge, room);
  if (board.phase === 'absent') return null;
  // After a refusal the role plainly may not change statuses: stop offering it.
  const canChange = board.statusProblem !== 'access-denied';
  const problems = [
    board.problem && STRINGS.readProblem[board.problem] + (board.updatedAt !== null ? ` ${STRINGS.stale(formatTime(board.updatedAt))}` : ''),
    board.statusProblem && STRINGS.statusProblem[board.statusProblem],
    board.unreadable > 0 && STRINGS.unreadable(board.unreadable),
  ].filter((p): p is string => typeof p === 'string' && p !== '');

  return (
    <section className="board" aria-labelledby="board-title" aria-busy={board.phase === 'loading' || board.refreshing}>
      <div className="board-head">
        <h2 id="board-title">{STRINGS.title(room)}</h2>
        <button className="secondary" onClick={() => board.refresh()} disabled={board.refreshing || board.phase === 'loading'}>
          {board.refreshing ? STRINGS.refreshing : STRINGS.refresh}
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
          ? STRINGS.loading
          : board.changed
            ? `${STRINGS.changed(board.changed.c, STRINGS.status[board.changed.status])} ${board.updatedAt !== null ? STRINGS.updated(formatTime(board.updatedAt)) : ''}`
            : board.updatedAt !== null
              ? STRINGS.updated(formatTime(board.updatedAt))
              : ''}
      </p>
      {board.phase === 'ready' && board.cases.length === 0 && <p className="lead">{STRINGS.empty(room)}</p>}
      {board.cases.length > 0 && (
        <table className="cases">
          <thead>
            <tr>
              <th scope="col">{STRINGS.columns.time}</th>
              <th scope="col">{STRINGS.columns.procedure}</th>
              <th scope="col">{STRINGS.columns.surgeon}</th>
              <th scope="col">{STRINGS.columns.status}</th>
              {canChange && <th scope="col">{STRINGS.columns.change}</th>}
            </tr>
          </thead>
          <tbody>
            {board.cases.map((c) => {
              const next = nextStatus(c.status);
              return (
                <tr key={c.slot}>
                  <td className="time">{c.startTime}</td>
                  <td>{c.procedure}</td>
                  <td>{c.surgeon}</td>
                  <td>
                    <span className={`status status-${c.status}`}>{STRINGS.status[c.status]}</span>
                  </td>
                  {canChange && (
                    <td>
                      {next && (
                        <button
                          className="secondary compact"
                          disabled={board.saving !== null}
                          aria-label={STRINGS.markFor(STRINGS.status[next], c)}
                          onClick={() => board.advance(c)}
                        >
                          {board.saving === c.slot ? STRINGS.saving : STRINGS.mark(STRINGS.status[next])}
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
