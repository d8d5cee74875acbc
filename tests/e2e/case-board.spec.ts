/**
 * The first OR view (issue 23): "Today in <terminal>" read from DynamoDB by the renderer with the signed-in person's
 * credentials, role-scoped by the policies local-cognito enforces (local-cognito/dynamodb/policy.ts). Screenshots:
 * test-results/screens/<project>/board-nurse.png and board-charge.png.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CaseBoard, pattern } from '../support/e2e/pages';
import { test, expect } from './fixtures';

const fill = (text: string, values: Record<string, string>): string => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? '');

test('a nurse sees today’s cases of this room and cannot change a status (plain words)', async ({ scrubIn, signInAs }) => {
  await scrubIn.signedOut.signIn.click();
  await signInAs('nurse');
  await scrubIn.signedIn.expectUser('nurse');
  const board = new CaseBoard(scrubIn.page, scrubIn.words);
  await expect(board.region.getByRole('heading', { name: fill(scrubIn.words.caseBoard.title, { room: 'OR-07' }) })).toBeVisible();
  await board.expectLoaded();
  await expect(board.rows).toHaveCount(3);
  await expect(board.row('07:30')).toContainText(board.statusText('in-progress'));
  await expect(board.row('09:45')).toContainText(board.statusText('scheduled'));
  await scrubIn.screenshot('board-nurse');
  expect(await scrubIn.accessibilityProblems()).toEqual([]);
  const mark = board.mark('09:45');
  expect((await mark.boundingBox())?.height).toBeGreaterThanOrEqual(48);

  await mark.click();
  await expect(board.alert).toContainText(scrubIn.words.caseBoard.statusProblem['access-denied']);
  await expect(board.alert).not.toContainText('AccessDenied');
  await expect(board.row('09:45')).toContainText(board.statusText('scheduled'));
  await expect(board.region.getByRole('button', { name: board.markButtons })).toHaveCount(0);
  expect(await scrubIn.accessibilityProblems()).toEqual([]);
});

test('the charge nurse marks a case’s next status, and the board shows it after a refresh', async ({ scrubIn, signInAs }) => {
  await scrubIn.signedOut.signIn.click();
  await signInAs('charge');
  await scrubIn.signedIn.expectUser('charge');
  const board = new CaseBoard(scrubIn.page, scrubIn.words);
  await board.expectLoaded();
  await scrubIn.screenshot('board-charge');
  await board.mark('09:45').click();
  await expect(board.row('09:45')).toContainText(board.statusText('in-room'));
  await expect(board.status).toContainText(fill(scrubIn.words.caseBoard.changed, { time: '09:45', procedure: '', status: board.statusText('in-room') }).replace(/^09:45 /, '').trim());
  await expect(board.alert).toHaveText('');
  await board.mark('09:45').click();
  await expect(board.row('09:45')).toContainText(board.statusText('in-progress'));
  expect(await scrubIn.accessibilityProblems()).toEqual([]);
});

test('a guest gets no case board', async ({ scrubIn }) => {
  await scrubIn.signedOut.continueAsGuest.click();
  await scrubIn.guest.expectShown();
  await expect(scrubIn.page.getByRole('region', { name: pattern(scrubIn.words.caseBoard.title) })).toHaveCount(0);
});

test.describe('a room with nothing scheduled', () => {
  test.use({ terminalOptions: { terminalId: 'OR-12' } });
  test('shows the empty board in plain words', async ({ scrubIn, signInAs }) => {
    await scrubIn.signedOut.signIn.click();
    await signInAs('anesthesiologist');
    const board = new CaseBoard(scrubIn.page, scrubIn.words);
    await board.expectLoaded();
    await expect(board.region).toContainText(fill(scrubIn.words.caseBoard.empty, { room: 'OR-12' }));
    expect(await scrubIn.accessibilityProblems()).toEqual([]);
  });
});

test('a role without access is told so in plain words', async ({ scrubIn, signInAs }) => {
  await scrubIn.signedOut.signIn.click();
  await signInAs('surgeon');
  const board = new CaseBoard(scrubIn.page, scrubIn.words);
  await expect(board.alert).toContainText(scrubIn.words.caseBoard.readProblem['access-denied']);
  await expect(board.rows).toHaveCount(0);
});

test('lock hides the board; after a switch the page was reloaded and the board is the new person’s', async ({ scrubIn, signInAs }) => {
  await scrubIn.signedOut.signIn.click();
  await signInAs('nurse');
  const board = new CaseBoard(scrubIn.page, scrubIn.words);
  await board.expectLoaded();
  // Something the nurse's page holds in memory: a reload (main's on sign-out and switch) must wipe it.
  await scrubIn.page.evaluate(() => Object.assign(window, { __nurseWasHere: true }));
  await scrubIn.signedIn.lock.click();
  await scrubIn.locked.expectShown();
  await expect(board.region).toHaveCount(0);
  await scrubIn.locked.switchUser.click();
  await signInAs('charge');
  await scrubIn.signedIn.expectUser('charge');
  await board.expectLoaded();
  expect(await scrubIn.page.evaluate(() => (window as { __nurseWasHere?: boolean }).__nurseWasHere ?? false)).toBe(false);
  await board.mark('09:45').click();
  await expect(board.row('09:45')).toContainText(board.statusText('in-room'));
});

test('the CSP blocks a request to an endpoint that is not on the allowlist', async ({ scrubIn, signInAs }) => {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'access-control-allow-origin': '*' }).end('leaked');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const elsewhere = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exfiltrate`;
  try {
    await scrubIn.signedOut.signIn.click();
    await signInAs('nurse');
    await new CaseBoard(scrubIn.page, scrubIn.words).expectLoaded();
    const outcome = await scrubIn.page.evaluate(async (url) => {
      const violation = new Promise<string>((resolve) =>
        document.addEventListener('securitypolicyviolation', (e) => resolve(`${e.effectiveDirective} ${e.blockedURI}`), { once: true }),
      );
      const fetched = await fetch(url, { method: 'POST', body: 'credentials' }).then(
        () => 'answered',
        () => 'refused',
      );
      return { fetched, violation: await violation };
    }, elsewhere);
    expect(outcome.fetched).toBe('refused');
    expect(outcome.violation).toBe(`connect-src ${elsewhere}`);
    expect(hits).toEqual([]);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
