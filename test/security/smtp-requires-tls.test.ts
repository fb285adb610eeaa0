/**
 * Security review, finding 7: with credentials in the relay URL, an `smtp://` relay that does not
 * offer STARTTLS (or whose offer a man in the middle stripped from the EHLO answer) gets no
 * credentials: the delivery fails with an error that names the setting.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SmtpError, sendMail } from '../../src/mail/smtp.js'
import { startFakeSmtpServer } from '../helpers/fake-smtp-server.js'

const MESSAGE = {
  from: 'noreply@openhooks.test',
  to: 'ann@example.com',
  subject: 'Reset your password',
  text: 'Hello',
}

describe('SMTP credentials only over TLS', () => {
  it('refuses to authenticate to a relay that does not offer STARTTLS', async (t) => {
    const server = await startFakeSmtpServer({ auth: ['PLAIN', 'LOGIN'] })
    t.after(() => server.close())
    await assert.rejects(sendMail({ url: server.url('mailer:relay-password') }, MESSAGE), {
      constructor: SmtpError,
      step: 'STARTTLS',
      message: `The SMTP relay 127.0.0.1:${server.port} does not offer STARTTLS, and OPENHOOKS_SMTP_URL has credentials: they are sent only over TLS. Use a relay that offers STARTTLS, an smtps:// URL, or no credentials.`,
    })
    assert.deepStrictEqual(server.logins, [])
    assert.ok(!server.lines.some((line) => line.startsWith('AUTH')), server.lines.join('\n'))
    assert.ok(!server.lines.join('\n').includes(Buffer.from('relay-password').toString('base64')))
    assert.equal(server.messages.length, 0)
  })

  it('still delivers without credentials to a relay without STARTTLS', async (t) => {
    const server = await startFakeSmtpServer()
    t.after(() => server.close())
    await sendMail({ url: server.url() }, MESSAGE)
    assert.equal(server.messages.length, 1)
  })
})
