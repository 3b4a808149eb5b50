import t from 'tap'
import { startFailure } from '../../src/lib/start-failure.js'

const coded = (code: string) => Object.assign(new Error(code), { code })

t.test('start-up failures an operator meets, in words; others left to the error itself', async (t) => {
  t.equal(startFailure(coded('EADDRINUSE'), { port: 3000 }), 'port 3000 is in use by another process (set PORT)')
  t.equal(startFailure(coded('ECONNREFUSED')), 'the database (DATABASE_URL) does not answer')
  // A server that takes the connection and never answers (a firewall, a hung server): pg's timeouts have no code.
  for (const message of ['timeout expired', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect']) {
    t.equal(startFailure(new Error(message)), 'the database (DATABASE_URL) does not answer', message)
  }
  t.equal(startFailure(new Error('wrapped', { cause: coded('3D000') })), 'the database named in DATABASE_URL does not exist')
  t.equal(startFailure(coded('28P01')), 'the database refused the credentials in DATABASE_URL')
  t.equal(startFailure(new Error('The server does not support SSL connections')), 'the database server does not take SSL connections, but DATABASE_URL asks for SSL (sslmode or ssl): drop it, or turn SSL on in the server')
  t.equal(startFailure(new Error('The embedded database in ./data is in use by process 12; stop it first')), 'the data directory (DATA_DIR) is open in another process')
  t.equal(startFailure(new Error('item 4: it has neither a title nor a body')), undefined)
})

/** A file system error as Node raises it: its code, the call, and the path as it was given. */
const fsError = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path })

t.test('a data directory that cannot be one, or cannot be written, names DATA_DIR', async (t) => {
  const notADirectory = 'the data directory (DATA_DIR) is not a directory: a file is in its place or on its path'
  const notWritable = 'the data directory (DATA_DIR) cannot be written by this process (its permissions, or a read-only file system)'
  t.equal(startFailure(fsError('EEXIST', 'mkdir', '/etc/passwd'), { dataDir: '/etc/passwd' }), notADirectory, 'a file in its place')
  t.equal(startFailure(fsError('ENOTDIR', 'mkdir', '/etc/passwd/data'), { dataDir: '/etc/passwd/data' }), notADirectory, 'a file on its path')
  t.equal(startFailure(fsError('EACCES', 'mkdir', 'data'), { dataDir: './data' }), notWritable, 'relative, as given')
  t.equal(startFailure(fsError('EACCES', 'open', 'data/quire.lock'), { dataDir: './data' }), notWritable, 'its lock file')
  t.equal(startFailure(fsError('EROFS', 'open', '/srv/data/quire.lock'), { dataDir: '/srv/data/' }), notWritable, 'a read-only file system')
  // The same codes on another path (an import's file, the migrations) are not about DATA_DIR.
  t.equal(startFailure(fsError('EACCES', 'open', '/home/me/blog.xml'), { dataDir: './data' }), undefined)
  t.equal(startFailure(fsError('EACCES', 'open', '/srv/data-old/x'), { dataDir: '/srv/data' }), undefined, 'a sibling whose name begins alike')
  t.equal(startFailure(fsError('EACCES', 'mkdir', '/srv/data')), undefined, 'no data directory in use')
})

t.test('an address the server cannot listen on names HOST; a port it may not take names PORT', async (t) => {
  const listen = (code: string, address: string, port: number) => Object.assign(new Error(`listen ${code}: ${address}:${port}`), { code, syscall: 'listen', address, port })
  t.equal(startFailure(listen('EADDRNOTAVAIL', '1.2.3.4', 3000), { port: 3000 }), 'HOST 1.2.3.4 is not an address of this machine (set HOST to one of its addresses, 127.0.0.1, or 0.0.0.0 for all)')
  t.equal(startFailure(listen('EACCES', '0.0.0.0', 80), { port: 80 }), 'port 80 needs privileges this process does not have (set PORT to 1024 or above)')
  // EACCES from the file system is not about the port.
  t.equal(startFailure(fsError('EACCES', 'open', '/home/me/blog.xml'), { port: 80 }), undefined)
})
