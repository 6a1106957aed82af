// A tessera of a suite's own: `tessera serve` on 127.0.0.1 (an ephemeral port) with a data
// directory of its own, for the suites that need a config or flags the shared one has not.
// Does not import ./tessera.mjs (that module wants TESSERA_URL and the admin key at import).
import { spawn } from 'node:child_process';

/**
 * Starts `bin serve [--config <config>] --listen 127.0.0.1:0 --data-dir <dataDir> ...args`
 * without the admin key and database URL of the environment; resolves with
 * { proc, url, akid, secret, log } once it printed its URL and admin key (`log()` is its stderr
 * so far), rejects if it exits first or prints no credentials within 20 s.
 */
export function startTessera(bin, { config, dataDir, args = [] }) {
  const env = { ...process.env };
  for (const v of ['TESSERA_ADMIN_ACCESS_KEY_ID', 'TESSERA_ADMIN_SECRET_ACCESS_KEY', 'TESSERA_DATABASE_URL']) delete env[v];
  const argv = ['serve', ...(config ? ['--config', config] : []), '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...args];
  const proc = spawn(bin, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera printed no credentials in 20 s:\n${out}\n${err}`)), 20_000);
    proc.on('exit', (code) => reject(new Error(`tessera exited early (${code}):\n${out}\n${err}`)));
    proc.stdout.on('data', (d) => {
      out += d;
      const pick = (re) => out.match(re)?.[1]?.trim();
      const secret = pick(/^ {2}AWS_SECRET_ACCESS_KEY=(.*)$/m);
      if (!secret) return;
      clearTimeout(timer);
      resolve({ proc, url: pick(/^Tessera is listening on (.*)$/m), akid: pick(/^ {2}AWS_ACCESS_KEY_ID=(.*)$/m), secret, log: () => err });
    });
  });
}
