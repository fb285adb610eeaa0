import { ObjectIsPrototypeOf } from './primordials.js'

import { inspectWith } from './console.js'
import { define } from './define.js'
import { isError, safeString } from './errors.js'
import { deepEqual } from './node-util.js'
import {
  ErrorCtor,
  MapCtor,
  ObjectIs,
  ObjectKeys,
  PromiseThen,
  ReflectApply,
} from './primordials.js'

// ---- assert ----------------------------------------------------------------------------------

export function buildAssert() {
  class AssertionError extends ErrorCtor {
    declare code: string
    declare actual: unknown
    declare expected: unknown
    declare operator: string
    declare generatedMessage: boolean
    constructor(options) {
      super(options.message)
      define(this, 'name', 'AssertionError')
      this.code = 'ERR_ASSERTION'
      this.actual = options.actual
      this.expected = options.expected
      this.operator = options.operator
      this.generatedMessage = options.generated
    }
  }
  function check(ok, message, actual, expected, operator, defaultMessage) {
    if (ok) return
    if (isError(message)) throw message
    throw new AssertionError({
      message: message === undefined ? defaultMessage : safeString(message),
      actual,
      expected,
      operator,
      generated: message === undefined,
    })
  }
  function show(v) {
    return inspectWith(v)
  }
  function make(strict) {
    function assert(value, message) {
      check(
        !!value,
        message,
        value,
        true,
        '==',
        'The expression evaluated to a falsy value:\n\n  assert(' + show(value) + ')\n',
      )
    }
    const equal = strict
      ? function (a, b, m) {
          check(
            ObjectIs(a, b),
            m,
            a,
            b,
            'strictEqual',
            'Expected values to be strictly equal:\n\n' + show(a) + ' !== ' + show(b) + '\n',
          )
        }
      : function (a, b, m) {
          check(a == b || (a !== a && b !== b), m, a, b, '==', show(a) + ' == ' + show(b))
        }
    const notEqual = strict
      ? function (a, b, m) {
          check(
            !ObjectIs(a, b),
            m,
            a,
            b,
            'notStrictEqual',
            'Expected "actual" to be strictly unequal to: ' + show(b),
          )
        }
      : function (a, b, m) {
          check(a != b, m, a, b, '!=', show(a) + ' != ' + show(b))
        }
    const deep = function (a, b, m) {
      check(
        deepEqual(a, b, strict, new MapCtor()),
        m,
        a,
        b,
        strict ? 'deepStrictEqual' : 'deepEqual',
        'Expected values to be ' +
          (strict ? 'strictly ' : 'loosely ') +
          'deep-equal:\n\n' +
          show(a) +
          '\n\nshould equal\n\n' +
          show(b),
      )
    }
    const notDeep = function (a, b, m) {
      check(
        !deepEqual(a, b, strict, new MapCtor()),
        m,
        a,
        b,
        strict ? 'notDeepStrictEqual' : 'notDeepEqual',
        'Expected "actual" not to be ' +
          (strict ? 'strictly ' : 'loosely ') +
          'deep-equal to: ' +
          show(b),
      )
    }
    function matches(error, expected) {
      if (expected === undefined) return true
      if (typeof expected === 'function') {
        if (expected.prototype !== undefined && error instanceof expected) return true
        if (ReflectApply(ObjectIsPrototypeOf, ErrorCtor, [expected]) || expected === ErrorCtor)
          return false
        return ReflectApply(expected, undefined, [error]) === true
      }
      if (expected instanceof RegExp)
        return (
          expected.test(safeString(error && error.message !== undefined ? error.message : error)) ||
          expected.test(safeString(error))
        )
      if (typeof expected === 'object' && expected !== null) {
        const keys = ObjectKeys(expected)
        for (let i = 0; i < keys.length; i++) {
          const want = expected[keys[i]]
          const got = error[keys[i]]
          if (want instanceof RegExp ? !want.test(got) : !deepEqual(got, want, true, new MapCtor()))
            return false
        }
        return true
      }
      return false
    }
    define(assert, 'ok', assert)
    define(assert, 'equal', equal)
    define(assert, 'notEqual', notEqual)
    define(assert, 'strictEqual', function (a, b, m) {
      check(
        ObjectIs(a, b),
        m,
        a,
        b,
        'strictEqual',
        'Expected values to be strictly equal:\n\n' + show(a) + ' !== ' + show(b) + '\n',
      )
    })
    define(assert, 'notStrictEqual', function (a, b, m) {
      check(
        !ObjectIs(a, b),
        m,
        a,
        b,
        'notStrictEqual',
        'Expected "actual" to be strictly unequal to: ' + show(b),
      )
    })
    define(assert, 'deepEqual', deep)
    define(assert, 'notDeepEqual', notDeep)
    define(assert, 'deepStrictEqual', function (a, b, m) {
      check(
        deepEqual(a, b, true, new MapCtor()),
        m,
        a,
        b,
        'deepStrictEqual',
        'Expected values to be strictly deep-equal:\n\n' +
          show(a) +
          '\n\nshould equal\n\n' +
          show(b),
      )
    })
    define(assert, 'notDeepStrictEqual', function (a, b, m) {
      check(
        !deepEqual(a, b, true, new MapCtor()),
        m,
        a,
        b,
        'notDeepStrictEqual',
        'Expected "actual" not to be strictly deep-equal to: ' + show(b),
      )
    })
    define(assert, 'fail', function (message) {
      check(false, message, undefined, undefined, 'fail', 'Failed')
    })
    define(assert, 'ifError', function (value) {
      if (value !== null && value !== undefined) throw value
    })
    define(assert, 'match', function (s, re, m) {
      check(
        typeof s === 'string' && re.test(s),
        m,
        s,
        re,
        'match',
        'The input did not match the regular expression ' +
          safeString(re) +
          '. Input:\n\n' +
          show(s) +
          '\n',
      )
    })
    define(assert, 'doesNotMatch', function (s, re, m) {
      check(
        typeof s === 'string' && !re.test(s),
        m,
        s,
        re,
        'doesNotMatch',
        'The input was expected to not match the regular expression ' +
          safeString(re) +
          '. Input:\n\n' +
          show(s) +
          '\n',
      )
    })
    define(assert, 'throws', function (fn, expected, message) {
      try {
        fn()
      } catch (error) {
        check(
          matches(error, expected),
          typeof expected === 'string' ? expected : message,
          error,
          expected,
          'throws',
          'The error did not match the expected one',
        )
        return
      }
      check(
        false,
        typeof expected === 'string' ? expected : message,
        undefined,
        expected,
        'throws',
        'Missing expected exception.',
      )
    })
    define(assert, 'doesNotThrow', function (fn, message) {
      try {
        fn()
      } catch (error) {
        check(
          false,
          message,
          error,
          undefined,
          'doesNotThrow',
          'Got unwanted exception.\nActual message: "' + safeString(error && error.message) + '"',
        )
      }
    })
    define(assert, 'rejects', function (promiseOrFn, expected, message) {
      const promise = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn
      return ReflectApply(PromiseThen, promise, [
        function () {
          check(
            false,
            typeof expected === 'string' ? expected : message,
            undefined,
            expected,
            'rejects',
            'Missing expected rejection.',
          )
        },
        function (error) {
          check(
            matches(error, expected),
            typeof expected === 'string' ? expected : message,
            error,
            expected,
            'rejects',
            'The error did not match the expected one',
          )
        },
      ])
    })
    define(assert, 'doesNotReject', function (promiseOrFn, message) {
      const promise = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn
      return ReflectApply(PromiseThen, promise, [
        undefined,
        function (error) {
          check(false, message, error, undefined, 'doesNotReject', 'Got unwanted rejection.')
        },
      ])
    })
    define(assert, 'AssertionError', AssertionError)
    return assert
  }
  const loose = make(false)
  const strict = make(true)
  define(loose, 'strict', strict)
  define(strict, 'strict', strict)
  return loose
}
