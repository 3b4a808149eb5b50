import { parse } from 'pg-connection-string'
import t from 'tap'
import { pgConnectionString } from '../../src/db/client.js'

t.test('sslmode=prefer, require and verify-ca are passed to pg as verify-full: what pg 8 takes them for, without its warning', async (t) => {
  const base = 'postgres://quire:secret@db.example.com:5432/quire'
  for (const mode of ['prefer', 'require', 'verify-ca']) {
    const url = `${base}?application_name=api&sslmode=${mode}&connect_timeout=5`
    t.equal(pgConnectionString(url), `${base}?application_name=api&sslmode=verify-full&connect_timeout=5`, mode)
    t.same(parse(pgConnectionString(url)).ssl, parse(`${base}?sslmode=verify-full`).ssl, `${mode}: the same SSL settings`)
  }
  for (const url of [base, `${base}?sslmode=disable`, `${base}?sslmode=verify-full`, `${base}?sslmode=no-verify`, `${base}?ssl=true`]) {
    t.equal(pgConnectionString(url), url, 'left as it is')
  }
  // libpq's meaning (no certificate check for require), asked for explicitly: pg's choice, not ours to change.
  t.equal(pgConnectionString(`${base}?uselibpqcompat=true&sslmode=require`), `${base}?uselibpqcompat=true&sslmode=require`)
})
