import { describe, expect, it } from 'vitest';
import {
  ConnectionError,
  DDPError,
  DepthError,
  type ErrorCode,
  formatErrorMessage,
  toWireValue,
} from '../src/index.js';

describe('DDPError: Meteor.Error wire shape', () => {
  it('formats message as "reason [error]", or "[error]" without a reason', () => {
    expect(new DDPError(404, "Method 'x' not found").message).toBe("Method 'x' not found [404]");
    expect(new DDPError('not-authorized').message).toBe('[not-authorized]');
    expect(new DDPError('e', '').message).toBe('[e]'); // Meteor tests the reason for truthiness
    expect(formatErrorMessage(500, 'Internal server error')).toBe('Internal server error [500]');
  });

  it('serializes as Meteor does (numeric error)', () => {
    expect(new DDPError(404, "Subscription 's' not found").toWire()).toEqual({
      isClientSafe: true,
      error: 404,
      reason: "Subscription 's' not found",
      message: "Subscription 's' not found [404]",
      errorType: 'Meteor.Error',
    });
  });

  it('serializes string errors and keeps details', () => {
    const wire = new DDPError('too-many-requests', 'Slow down', { timeToReset: 1000 }).toWire();
    expect(wire).toEqual({
      isClientSafe: true,
      error: 'too-many-requests',
      reason: 'Slow down',
      message: 'Slow down [too-many-requests]',
      errorType: 'Meteor.Error',
      details: { timeToReset: 1000 },
    });
    expect('details' in new DDPError('x').toWire()).toBe(false);
    expect('reason' in new DDPError('x').toWire()).toBe(false);
  });

  it('JSON.stringify gives the wire shape (no code, name or stack)', () => {
    expect(JSON.parse(JSON.stringify(new DDPError(1, 'r', [1])))).toEqual(new DDPError(1, 'r', [1]).toWire());
  });

  it('round-trips through fromWire', () => {
    for (const error of [new DDPError(404, 'nope'), new DDPError('x'), new DDPError('d', 'r', { a: [1] })]) {
      const back = DDPError.fromWire(JSON.parse(JSON.stringify(error.toWire())));
      expect(back).toBeInstanceOf(DDPError);
      expect(back).toBeInstanceOf(Error);
      expect([back.error, back.reason, back.details, back.message]).toEqual([
        error.error,
        error.reason,
        error.details,
        error.message,
      ]);
    }
  });

  it('fromWire ignores the sent message and rebuilds it, like Meteor', () => {
    const back = DDPError.fromWire({ error: 403, reason: 'Denied', message: 'something else' });
    expect(back.message).toBe('Denied [403]');
  });

  it('fromWire tolerates garbage', () => {
    const cases: Array<[unknown, string | number, string | undefined]> = [
      [null, 500, 'Internal server error'],
      [undefined, 500, 'Internal server error'],
      ['boom', 500, 'Internal server error'],
      [42, 500, 'Internal server error'],
      [{}, 500, undefined],
      [{ error: { nested: true }, reason: 5 }, 500, undefined],
      [{ error: 'e', reason: ['x'] }, 'e', undefined],
      [[1, 2], 500, undefined],
    ];
    for (const [wire, error, reason] of cases) {
      const back = DDPError.fromWire(wire);
      expect([back.error, back.reason]).toEqual([error, reason]);
      expect(back.code).toBe('DDP_REMOTE_ERROR');
    }
  });

  it("has code DDP_INVOCATION_FAILED for Meteor's invocation-failed, else DDP_REMOTE_ERROR", () => {
    expect(new DDPError('invocation-failed', 'Method invocation might have failed').code).toBe(
      'DDP_INVOCATION_FAILED',
    );
    expect(new DDPError(500, 'Internal server error').code).toBe('DDP_REMOTE_ERROR');
    expect(new DDPError('x').name).toBe('DDPError');
    expect(new DDPError('x').errorType).toBe('Meteor.Error');
    expect(new DDPError('x').isClientSafe).toBe(true);
  });
});

describe('ConnectionError and DepthError codes', () => {
  it('carries the code it is given', () => {
    const codes: ErrorCode[] = [
      'DDP_CONNECTION_LOST',
      'DDP_CONNECT_TIMEOUT',
      'DDP_HEARTBEAT_TIMEOUT',
      'DDP_VERSION_NEGOTIATION_FAILED',
      'DDP_CONNECTION_CLOSED',
      'DDP_FORCED_RECONNECT',
    ];
    for (const code of codes) {
      const error = new ConnectionError(code, 'text');
      expect([error.code, error.message, error.name]).toEqual([code, 'text', 'ConnectionError']);
      expect(error).toBeInstanceOf(Error);
    }
  });

  it('DepthError is a RangeError with code DDP_TOO_DEEP', () => {
    let error: unknown;
    try {
      toWireValue([[[1]]], 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DepthError);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as DepthError).code).toBe('DDP_TOO_DEEP');
  });
});
