import { DrizzleQueryError } from 'drizzle-orm/errors'
import t from 'tap'
import { loggedError } from '../../src/lib/logged-error.js'

const SECRET = '17a3215d-the-hash-of-a-key'

t.test('a failed query is logged with its statement, not its parameters', async (t) => {
  const failed = new DrizzleQueryError('select id from api_keys where hash = $1', [SECRET, 'line one\nparams: two'], new Error('connect ECONNREFUSED 127.0.0.1:5432'))
  for (const [what, error] of [['the query\'s error', failed], ['an error it caused', new Error('database unavailable', { cause: failed })]] as const) {
    const logged = loggedError(error)
    t.notMatch(JSON.stringify(logged), SECRET, `${what}: no parameter anywhere`)
    t.notOk('params' in logged, what)
    t.match(JSON.stringify(logged), 'select id from api_keys where hash = $1', `${what}: the statement stays`)
    t.match(logged.stack, /ECONNREFUSED/, `${what}: and its cause`)
  }
  const plain = loggedError(new Error('params: not from a query'))
  t.equal(plain.message, 'params: not from a query', 'any other error is logged as pino logs it')
})
