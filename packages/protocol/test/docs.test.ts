import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ErrorCode, RejectionKind, RejectionReason } from '../src/index.js';

const errorsDoc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const headings = new Set([...errorsDoc.matchAll(/^## (.+)$/gm)].map((m) => m[1]?.trim()));

// `satisfies Record<…>` makes the compiler insist every code, reason and kind is listed here.
const codes = {
  DDP_REMOTE_ERROR: true,
  DDP_INVOCATION_FAILED: true,
  DDP_CONNECTION_LOST: true,
  DDP_CONNECT_TIMEOUT: true,
  DDP_HEARTBEAT_TIMEOUT: true,
  DDP_VERSION_NEGOTIATION_FAILED: true,
  DDP_CONNECTION_CLOSED: true,
  DDP_FORCED_RECONNECT: true,
  DDP_TOO_DEEP: true,
} satisfies Record<ErrorCode, true>;
const reasons = {
  'Parse error': true,
  'Bad request': true,
  'Malformed subscription': true,
  'Malformed method invocation': true,
} satisfies Record<RejectionReason, true>;
const kinds = {
  'invalid-json': true,
  'not-object': true,
  'too-deep': true,
  'forbidden-key': true,
  'no-msg': true,
  'unknown-msg': true,
  'bad-field': true,
  'bad-connect': true,
  'bad-cleared': true,
  'bad-ejson': true,
} satisfies Record<RejectionKind, true>;

describe('docs/errors.md', () => {
  it('has a heading for every ErrorCode', () => {
    for (const code of Object.keys(codes)) expect(headings, code).toContain(code);
  });
  it('has a heading for every rejection reason', () => {
    for (const reason of Object.keys(reasons)) expect(headings, reason).toContain(reason);
  });
  it('mentions every rejection kind', () => {
    for (const kind of Object.keys(kinds)) expect(errorsDoc, kind).toContain(`\`${kind}\``);
  });
});
