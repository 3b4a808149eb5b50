import t from 'tap'
import { startFailure } from '../../src/lib/start-failure.js'

const coded = (code: string) => Object.assign(new Error(code), { code })

t.test('start-up failures an operator meets, in words; others left to the error itself', async (t) => {
  t.equal(startFailure(coded('EADDRINUSE'), 3000), 'port 3000 is in use by another process (set PORT)')
  t.equal(startFailure(coded('ECONNREFUSED')), 'the database (DATABASE_URL) does not answer')
  // A server that takes the connection and never answers (a firewall, a hung server): pg's timeouts have no code.
  for (const message of ['timeout expired', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect']) {
    t.equal(startFailure(new Error(message)), 'the database (DATABASE_URL) does not answer', message)
  }
  t.equal(startFailure(new Error('wrapped', { cause: coded('3D000') })), 'the database named in DATABASE_URL does not exist')
  t.equal(startFailure(coded('28P01')), 'the database refused the credentials in DATABASE_URL')
  t.equal(startFailure(new Error('The embedded database in ./data is in use by process 12; stop it first')), 'the data directory (DATA_DIR) is open in another process')
  t.equal(startFailure(new Error('item 4: it has neither a title nor a body')), undefined)
})
