import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config/load-config.js'

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({}, '/srv/app')
    assert.deepStrictEqual(config, {
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/app/data',
      database: {
        url: undefined,
        poolSize: 10,
        statementTimeoutMs: 5000,
        sqliteSynchronous: 'full',
      },
      issuer: 'http://localhost:3000/',
      managementAudience: 'http://localhost:3000/api/v2/',
      adminClient: undefined,
      operator: undefined,
      masterKey: undefined,
      tokenLifetimeS: 86_400,
      rateLimit: { enabled: true, burst: 50, perSecond: 16 },
      trustProxy: false,
      tls: undefined,
      sandbox: {
        workers: undefined,
        tokenWorkers: 1,
        pointMaxPending: 250,
        pointMaxConcurrent: 8,
        warmHeapMb: 256,
        workerMaxRssMb: 640,
        hookTimeoutMs: 20_000,
        hookMemoryMb: 64,
        idlePollUs: 300,
        egress: {
          mode: 'public',
          allow: [],
          requestTimeoutMs: 10_000,
          maxResponseBytes: 5 * 1024 * 1024,
          maxRequestsPerCall: 20,
          maxRedirects: 10,
          caFile: undefined,
        },
      },
      dependencies: { mode: 'npm', registry: undefined, timeoutMs: 120_000 },
      hookVersionsKept: 100,
      hookCacheTtlMs: 1_000,
      tenantLogs: { retentionDays: 30, maxEvents: 100_000 },
      smtp: undefined,
      signupPerIpPerMinute: 50,
      mfa: { smsPerHour: 10, codeTtlS: 300, maxAttempts: 5, mfaTokenTtlS: 600 },
      logLevel: 'info',
    })
    assert.ok(Object.isFrozen(config))
  })

  it('derives the issuer from PORT and adds a trailing slash to OPENHOOKS_ISSUER', () => {
    assert.equal(loadConfig({ PORT: '8080' }).issuer, 'http://localhost:8080/')
    const config = loadConfig({ OPENHOOKS_ISSUER: 'https://localhost:8443' })
    assert.equal(config.issuer, 'https://localhost:8443/')
    assert.equal(config.managementAudience, 'https://localhost:8443/api/v2/')
  })

  it('reads the egress policy and refuses malformed allow entries', () => {
    const config = loadConfig({
      OPENHOOKS_EGRESS: 'allowlist',
      OPENHOOKS_EGRESS_ALLOW: ' api.twilio.com:443, [::1]:8080 ,,10.0.0.5:80',
    })
    assert.deepStrictEqual(config.sandbox.egress, {
      mode: 'allowlist',
      allow: ['api.twilio.com:443', '[::1]:8080', '10.0.0.5:80'],
      requestTimeoutMs: 10_000,
      maxResponseBytes: 5 * 1024 * 1024,
      maxRequestsPerCall: 20,
      maxRedirects: 10,
      caFile: undefined,
    })
    assert.throws(
      () => loadConfig({ OPENHOOKS_EGRESS: 'open', OPENHOOKS_EGRESS_ALLOW: 'example.com,a:99999' }),
      (error: Error) => {
        assert.equal(
          error.message,
          [
            'Invalid configuration:',
            '  - OPENHOOKS_EGRESS must be one of public, allowlist, none',
            '  - OPENHOOKS_EGRESS_ALLOW: "example.com" is not host:port (use [addr]:port for IPv6, port 1–65535)',
            '  - OPENHOOKS_EGRESS_ALLOW: "a:99999" is not host:port (use [addr]:port for IPv6, port 1–65535)',
          ].join('\n'),
        )
        return true
      },
    )
  })

  it('reads the egress limits and CA file, and refuses values out of bounds', () => {
    const config = loadConfig(
      {
        OPENHOOKS_EGRESS_TIMEOUT_MS: '2500',
        OPENHOOKS_EGRESS_MAX_RESPONSE_BYTES: '1048576',
        OPENHOOKS_EGRESS_MAX_REQUESTS_PER_CALL: '3',
        OPENHOOKS_EGRESS_MAX_REDIRECTS: '0',
        OPENHOOKS_EGRESS_CA_FILE: 'certs/company-ca.pem',
      },
      '/srv/app',
    )
    assert.deepStrictEqual(config.sandbox.egress, {
      mode: 'public',
      allow: [],
      requestTimeoutMs: 2_500,
      maxResponseBytes: 1_048_576,
      maxRequestsPerCall: 3,
      maxRedirects: 0,
      caFile: '/srv/app/certs/company-ca.pem',
    })
    assert.throws(
      () =>
        loadConfig({
          OPENHOOKS_EGRESS_TIMEOUT_MS: '50',
          OPENHOOKS_EGRESS_MAX_RESPONSE_BYTES: '999999999',
          OPENHOOKS_EGRESS_MAX_REQUESTS_PER_CALL: '0',
          OPENHOOKS_EGRESS_MAX_REDIRECTS: 'ten',
        }),
      {
        problems: [
          'OPENHOOKS_EGRESS_TIMEOUT_MS must be between 100 and 300000',
          'OPENHOOKS_EGRESS_MAX_RESPONSE_BYTES must be between 1024 and 67108864',
          'OPENHOOKS_EGRESS_MAX_REQUESTS_PER_CALL must be between 1 and 1000',
          'OPENHOOKS_EGRESS_MAX_REDIRECTS must be an integer',
        ],
      },
    )
  })

  it('reads every key', () => {
    const key = Buffer.alloc(32, 7)
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      OPENHOOKS_DATA_DIR: '/var/lib/openhooks',
      OPENHOOKS_ADMIN_CLIENT_ID: 'cid',
      OPENHOOKS_ADMIN_CLIENT_SECRET: 'a-secret-of-16-chars',
      OPENHOOKS_MASTER_KEY: key.toString('base64'),
      OPENHOOKS_TOKEN_LIFETIME_S: '600',
      OPENHOOKS_RATE_LIMIT_ENABLED: 'false',
      OPENHOOKS_RATE_LIMIT_BURST: '10',
      OPENHOOKS_RATE_LIMIT_PER_SECOND: '2',
      OPENHOOKS_TRUST_PROXY: 'true',
      OPENHOOKS_LOG_LEVEL: 'debug',
      OPENHOOKS_TLS_CERT: '/etc/openhooks/cert.pem',
      OPENHOOKS_TLS_KEY: '/etc/openhooks/key.pem',
      OPENHOOKS_ADMIN_EMAIL: 'ops@example.com',
      OPENHOOKS_ADMIN_PASSWORD: 'a-password-of-12',
    })
    assert.equal(config.port, 0)
    assert.deepStrictEqual(config.operator, {
      email: 'ops@example.com',
      password: 'a-password-of-12',
    })
    assert.equal(config.host, '0.0.0.0')
    assert.equal(config.dataDir, '/var/lib/openhooks')
    assert.deepStrictEqual(config.adminClient, {
      clientId: 'cid',
      clientSecret: 'a-secret-of-16-chars',
    })
    assert.deepStrictEqual(config.masterKey, key)
    assert.equal(config.tokenLifetimeS, 600)
    assert.deepStrictEqual(config.rateLimit, { enabled: false, burst: 10, perSecond: 2 })
    assert.equal(config.trustProxy, true)
    assert.equal(config.logLevel, 'debug')
    assert.deepStrictEqual(config.tls, {
      certFile: '/etc/openhooks/cert.pem',
      keyFile: '/etc/openhooks/key.pem',
    })
  })

  it('resolves relative TLS paths and defaults the issuer to https when TLS is on', () => {
    const config = loadConfig(
      { PORT: '8443', OPENHOOKS_TLS_CERT: 'tls/cert.pem', OPENHOOKS_TLS_KEY: 'tls/key.pem' },
      '/srv/app',
    )
    assert.deepStrictEqual(config.tls, {
      certFile: '/srv/app/tls/cert.pem',
      keyFile: '/srv/app/tls/key.pem',
    })
    assert.equal(config.issuer, 'https://localhost:8443/')
    assert.equal(config.managementAudience, 'https://localhost:8443/api/v2/')
  })

  it('needs both TLS files or neither, listed with the other problems', () => {
    assert.throws(() => loadConfig({ OPENHOOKS_TLS_CERT: 'cert.pem', PORT: 'x' }), {
      problems: [
        'PORT must be an integer',
        'OPENHOOKS_TLS_CERT and OPENHOOKS_TLS_KEY must be set together, or both left unset',
      ],
    })
    assert.throws(() => loadConfig({ OPENHOOKS_TLS_KEY: 'key.pem' }), {
      problems: [
        'OPENHOOKS_TLS_CERT and OPENHOOKS_TLS_KEY must be set together, or both left unset',
      ],
    })
  })

  it('needs the operator e-mail and password together, and a password of 12 characters', () => {
    assert.throws(() => loadConfig({ OPENHOOKS_ADMIN_EMAIL: 'ops@example.com' }), {
      problems: [
        'OPENHOOKS_ADMIN_EMAIL and OPENHOOKS_ADMIN_PASSWORD must be set together, or both left unset',
      ],
    })
    assert.throws(
      () =>
        loadConfig({ OPENHOOKS_ADMIN_EMAIL: 'ops@example.com', OPENHOOKS_ADMIN_PASSWORD: 'short' }),
      {
        problems: [
          'OPENHOOKS_ADMIN_PASSWORD must be at least 12 characters long',
          'OPENHOOKS_ADMIN_EMAIL and OPENHOOKS_ADMIN_PASSWORD must be set together, or both left unset',
        ],
      },
    )
  })

  it('takes SQLite synchronous=normal on request, and refuses other values and a pool of one', () => {
    assert.equal(
      loadConfig({ OPENHOOKS_SQLITE_SYNCHRONOUS: 'normal' }).database.sqliteSynchronous,
      'normal',
    )
    assert.throws(
      () => loadConfig({ OPENHOOKS_SQLITE_SYNCHRONOUS: 'off' }),
      /OPENHOOKS_SQLITE_SYNCHRONOUS/,
    )
    assert.throws(
      () =>
        loadConfig({
          OPENHOOKS_DATABASE_URL: 'postgres://db.internal/openhooks',
          OPENHOOKS_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
          OPENHOOKS_DATABASE_POOL_SIZE: '1',
        }),
      /OPENHOOKS_DATABASE_POOL_SIZE/,
    )
  })

  it('selects PostgreSQL by URL, with its pool settings, and requires the master key with it', () => {
    const key = Buffer.alloc(32, 7).toString('base64')
    const config = loadConfig({
      OPENHOOKS_DATABASE_URL: 'postgres://openhooks:pw@db.internal:5432/openhooks?sslmode=require',
      OPENHOOKS_DATABASE_POOL_SIZE: '25',
      OPENHOOKS_DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      OPENHOOKS_MASTER_KEY: key,
    })
    assert.deepStrictEqual(config.database, {
      url: 'postgres://openhooks:pw@db.internal:5432/openhooks?sslmode=require',
      poolSize: 25,
      statementTimeoutMs: 2000,
      sqliteSynchronous: 'full',
    })
    assert.throws(
      () => loadConfig({ OPENHOOKS_DATABASE_URL: 'postgres://db.internal/openhooks' }),
      {
        problems: [
          'OPENHOOKS_MASTER_KEY is required with OPENHOOKS_DATABASE_URL: every node sharing the database must use the same key (generate one with `openssl rand -base64 32`)',
        ],
      },
    )
    assert.throws(
      () =>
        loadConfig({ OPENHOOKS_DATABASE_URL: 'mysql://db.internal/x', OPENHOOKS_MASTER_KEY: key }),
      { problems: ['OPENHOOKS_DATABASE_URL must look like postgres://user:pass@host:5432/db'] },
    )
  })

  it('lists every problem at once', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: 'eighty',
          OPENHOOKS_ISSUER: 'ftp://example.com/',
          OPENHOOKS_MASTER_KEY: 'too-short',
          OPENHOOKS_RATE_LIMIT_BURST: '0',
          OPENHOOKS_RATE_LIMIT_ENABLED: 'maybe',
          OPENHOOKS_LOG_LEVEL: 'loud',
          OPENHOOKS_ADMIN_CLIENT_ID: 'only-the-id',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.deepStrictEqual(error.problems, [
          'PORT must be an integer',
          'OPENHOOKS_ISSUER must be an http or https URL',
          'OPENHOOKS_MASTER_KEY must be 32 bytes encoded as base64 (try: openssl rand -base64 32)',
          'OPENHOOKS_RATE_LIMIT_ENABLED must be true or false',
          'OPENHOOKS_RATE_LIMIT_BURST must be between 1 and 1000000',
          'OPENHOOKS_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
          'OPENHOOKS_ADMIN_CLIENT_ID and OPENHOOKS_ADMIN_CLIENT_SECRET must be set together, or both left unset',
        ])
        assert.match(error.message, /^Invalid configuration:\n {2}- PORT must be an integer\n/)
        return true
      },
    )
  })

  it('refuses a short admin secret and an issuer with a query', () => {
    assert.throws(
      () =>
        loadConfig({
          OPENHOOKS_ADMIN_CLIENT_ID: 'cid',
          OPENHOOKS_ADMIN_CLIENT_SECRET: 'short',
          OPENHOOKS_ISSUER: 'https://a.example/?x=1',
        }),
      {
        problems: [
          'OPENHOOKS_ISSUER must not have a query or fragment',
          'OPENHOOKS_ADMIN_CLIENT_SECRET must be at least 16 characters long',
          'OPENHOOKS_ADMIN_CLIENT_ID and OPENHOOKS_ADMIN_CLIENT_SECRET must be set together, or both left unset',
        ],
      },
    )
  })
})
