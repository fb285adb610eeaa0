import { makeCertificate } from '../../test/helpers/tls-certificate.js'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { startFakeSmtpServer } from '../../test/helpers/fake-smtp-server.js'
import { SmtpError, sendMail } from './smtp.js'

const MESSAGE = {
  from: 'noreply@openhooks.test',
  to: 'ann@example.com',
  subject: 'Reset your password',
  text: 'Hello\n.hidden line\n..two dots\nbye',
}

/** A self-signed certificate and key (PEM) for the fake relay's STARTTLS. */
function certificate(t: TestContext): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-smtp-'))
  t.after(() => {
    rmSync(dir, { recursive: true, force: true })
  })
  const { cert, key } = makeCertificate(dir)
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') }
}

describe('sendMail', () => {
  it('speaks EHLO, MAIL FROM, RCPT TO and DATA, without AUTH when no credentials', async (t) => {
    const server = await startFakeSmtpServer({ auth: ['PLAIN'] })
    t.after(() => server.close())
    await sendMail({ url: server.url() }, MESSAGE)
    const [mail] = server.messages
    assert.ok(mail)
    assert.equal(mail.from, 'noreply@openhooks.test')
    assert.deepStrictEqual(mail.to, ['ann@example.com'])
    const verbs = server.lines.filter((l) => /^[A-Z]{4}/.test(l)).map((l) => l.split(/[ :]/)[0])
    assert.deepStrictEqual(verbs.slice(0, 4), ['EHLO', 'MAIL', 'RCPT', 'DATA'])
    assert.equal(server.logins.length, 0)
    assert.match(mail.data, /^Subject: Reset your password$/m)
    assert.match(mail.data, /^Content-Type: text\/plain; charset=utf-8$/m)
  })

  it('dot-stuffs lines that start with a dot', async (t) => {
    const server = await startFakeSmtpServer()
    t.after(() => server.close())
    await sendMail({ url: server.url() }, MESSAGE)
    const [mail] = server.messages
    assert.ok(mail)
    assert.ok(mail.raw.endsWith('Hello\r\n..hidden line\r\n...two dots\r\nbye'))
    assert.ok(mail.data.endsWith('Hello\r\n.hidden line\r\n..two dots\r\nbye'))
  })

  it('authenticates with AUTH PLAIN, and with AUTH LOGIN when only LOGIN is offered', async (t) => {
    const pem = certificate(t)
    for (const mechanism of ['PLAIN', 'LOGIN'] as const) {
      const server = await startFakeSmtpServer({ auth: [mechanism], tls: pem })
      t.after(() => server.close())
      await sendMail({ url: server.url('mailer:p%40ss%3Aword'), tls: { ca: pem.cert } }, MESSAGE)
      assert.deepStrictEqual(server.logins, [{ user: 'mailer', pass: 'p@ss:word' }], mechanism)
      assert.ok(server.lines.some((l) => l.startsWith(`AUTH ${mechanism}`)))
      assert.equal(server.messages.length, 1)
    }
  })

  it('upgrades with STARTTLS when offered, before sending credentials', async (t) => {
    const pem = certificate(t)
    const server = await startFakeSmtpServer({ auth: ['PLAIN'], tls: pem })
    t.after(() => server.close())
    await sendMail({ url: server.url('mailer:pw'), tls: { ca: pem.cert } }, MESSAGE)
    const verbs = server.lines.filter((l) => /^[A-Z]{4}/.test(l)).map((l) => l.split(/[ :]/)[0])
    assert.deepStrictEqual(verbs.slice(0, 4), ['EHLO', 'STARTTLS', 'EHLO', 'AUTH'])
    assert.deepStrictEqual(server.logins, [{ user: 'mailer', pass: 'pw' }])
    assert.equal(server.messages.length, 1)
    // An untrusted certificate stops the delivery before any credential is sent.
    const strict = await startFakeSmtpServer({ auth: ['PLAIN'], tls: pem })
    t.after(() => strict.close())
    await assert.rejects(sendMail({ url: strict.url('mailer:pw') }, MESSAGE), SmtpError)
    assert.equal(strict.logins.length, 0)
  })

  it('fails with the reply when the server answers 5xx', async (t) => {
    const server = await startFakeSmtpServer({
      refuse: { command: 'RCPT', reply: '550 5.1.1 no such user' },
    })
    t.after(() => server.close())
    await assert.rejects(sendMail({ url: server.url() }, MESSAGE), (error: unknown) => {
      assert.ok(error instanceof SmtpError)
      assert.equal(error.step, 'RCPT TO')
      assert.equal(error.replyCode, 550)
      assert.match(error.message, /550 5\.1\.1 no such user/)
      return true
    })
    assert.equal(server.messages.length, 0)
  })

  it('gives up on a silent server at the deadline of each step', async (t) => {
    for (const silentOn of ['greeting', 'DATA']) {
      const server = await startFakeSmtpServer({ silentOn })
      t.after(() => server.close())
      const started = Date.now()
      await assert.rejects(
        sendMail({ url: server.url(), timeoutMs: 200 }, MESSAGE),
        (error: unknown) => {
          assert.ok(error instanceof SmtpError)
          assert.match(error.message, /did not answer within 200 ms/)
          return true
        },
      )
      const elapsed = Date.now() - started
      // Never before the step's deadline; the upper bound is for a hang, with room for a busy
      // machine.
      assert.ok(elapsed >= 150 && elapsed < 200 + 10_000, `${silentOn}: ${elapsed} ms`)
    }
  })

  it('fails fast when nothing listens, and refuses header injection', async (t) => {
    const server = await startFakeSmtpServer()
    const url = server.url()
    await server.close()
    await assert.rejects(sendMail({ url, timeoutMs: 1_000 }, MESSAGE), SmtpError)
    const live = await startFakeSmtpServer()
    t.after(() => live.close())
    await assert.rejects(
      sendMail({ url: live.url() }, { ...MESSAGE, subject: 'x\r\nBcc: evil@example.com' }),
      TypeError,
    )
    await assert.rejects(sendMail({ url: 'http://127.0.0.1:1' }, MESSAGE), TypeError)
  })
})
