import { describe, expect, it } from 'vitest';
import { droppedPgConnection } from './scaleout-action.js';

describe('worker: which PostgreSQL errors are a dropped connection (exit 4, start again) rather than an internal error', () => {
  it('recognises a server shutdown or restart and a client whose connection broke', () => {
    expect(droppedPgConnection({ severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' })).toBe(true);
    expect(droppedPgConnection({ severity: 'FATAL', code: '57P03', message: 'the database system is starting up' })).toBe(true);
    expect(droppedPgConnection(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(droppedPgConnection(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
  });
  it('leaves failed statements and other errors alone', () => {
    expect(droppedPgConnection({ severity: 'ERROR', code: '42601', message: 'syntax error at or near "SELEC"' })).toBe(false);
    expect(droppedPgConnection({ severity: 'ERROR', code: '57P01', message: 'not fatal' })).toBe(false);
    expect(droppedPgConnection(new Error('Connection terminated unexpectedly, and then some'))).toBe(false);
    expect(droppedPgConnection(undefined)).toBe(false);
    expect(droppedPgConnection(null)).toBe(false);
  });
});
