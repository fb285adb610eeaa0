import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isStorageUnavailable } from './storage-unavailable.js'

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code })

test('database outages are told apart from bugs and bad requests', () => {
  for (const unavailable of [
    withCode('ECONNREFUSED'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('57P03', 'the database system is starting up'),
    withCode('57014', 'canceling statement due to statement timeout'),
    withCode('08006'),
    withCode('SQLITE_BUSY'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new Error('wrapped', { cause: withCode('ECONNRESET') }),
  ]) {
    assert.equal(isStorageUnavailable(unavailable), true, String(unavailable))
  }
  for (const other of [
    withCode('23505', 'duplicate key value violates unique constraint'),
    withCode('42P01', 'relation does not exist'),
    withCode('SQLITE_CONSTRAINT_UNIQUE'),
    new TypeError('x is undefined'),
    'ECONNREFUSED',
    undefined,
  ]) {
    assert.equal(isStorageUnavailable(other), false, String(other))
  }
})
