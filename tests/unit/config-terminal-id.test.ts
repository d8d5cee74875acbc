/**
 * The terminal id when IT sets none (`terminal.terminalId`): the host name, made to fit the id pattern audit
 * records and the schema accept. The host name is whatever the OS says, so it is stood in for here.
 */
import type * as Os from 'node:os';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultTerminalId, parseConfig } from '../../main/config';
import { VALID_CONFIG } from '../support/config';

const host = vi.hoisted(() => ({ name: '' }));
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof Os>();
  return { ...os, default: { ...os, hostname: () => host.name }, hostname: () => host.name };
});


describe('default terminal id (the host name)', () => {
  beforeEach(() => {
    host.name = '';
  });

  it.each([
    ['OR-07.ward3.hospital.local', 'OR-07.ward3.hospital.local'],
    ['or_07', 'or_07'],
    ['OR 07 (West)', 'OR-07--West-'],
    ['수술실-7', '----7'],
    ['x'.repeat(70), 'x'.repeat(64)],
    ['', 'terminal'],
  ])('%s -> %s, which the configuration accepts as terminal.terminalId', (name, id) => {
    host.name = name;
    expect(defaultTerminalId()).toBe(id);
    expect(parseConfig({ ...VALID_CONFIG, terminal: { terminalId: defaultTerminalId() } }, 'test').terminal.terminalId).toBe(id);
  });
});
