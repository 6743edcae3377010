// make install: the binary with the system defaults, the rules, the clients,
// the unit and the man page land under DESTDIR, and the installed binary works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

test('make install DESTDIR=… PREFIX=/usr installs a working daemon with system defaults', () => {
  const dest = mkdtempSync(join(tmpdir(), 'vegvisar-install-'));
  const build = process.env.VEGVISARD?.includes('build-san') ? ['SANITIZE=address,undefined'] : [];
  const r = spawnSync('make', ['-s', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr', ...build], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  for (const f of ['usr/sbin/vegvisard', 'usr/share/vegvisar/rules/no.json', 'usr/share/vegvisar/rules/destinations/dk.json',
    'usr/share/vegvisar/www/agent/index.html', 'usr/share/vegvisar/www/widget/widget.js', 'usr/share/man/man8/vegvisard.8',
    'lib/systemd/system/vegvisard.service', 'usr/share/vegvisar/doc/vegvisar.conf.example'])
    assert.ok(existsSync(join(dest, f)), `${f} is installed`);
  const unit = readFileSync(join(dest, 'lib/systemd/system/vegvisard.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/sbin\/vegvisard /m);
  const bin = join(dest, 'usr/sbin/vegvisard');
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /default \/etc\/vegvisar\/vegvisar\.conf/, 'the installed binary reads the system config by default');
  const check = spawnSync(bin, ['--check-rules', '--rules', join(dest, 'usr/share/vegvisar/rules')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout);
  assert.match(check.stdout, /^no: version .*longest walk [1-6] questions$/m);
  rmSync(dest, { recursive: true, force: true });
});
