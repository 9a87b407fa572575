// Files from Debian packages: installed ones read from the host, others fetched with apt.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PackageUnavailableError, installedVersions, packageFiles } from './debian.js';

describe('Debian package access', () => {
  it('reads files of an installed package with its version (dpkg -L)', () => {
    // dpkg is Essential: installed on every Debian system.
    const got = packageFiles('dpkg', [/^\/usr\/bin\/dpkg$/]);
    assert.equal(got.via, 'installed');
    assert.match(got.version, /^\d+\.\d+/);
    const bin = got.files.get('/usr/bin/dpkg')!;
    assert.deepEqual([...bin.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  });

  it('installedVersions answers for many packages at once, keyed by name and name:arch', () => {
    const v = installedVersions(['dpkg', 'ringmaster-no-such-package']);
    assert.ok(v.get('dpkg'));
    assert.equal(v.has('ringmaster-no-such-package'), false);
  });

  it('a package apt cannot deliver is a PackageUnavailableError naming it and the fix', () => {
    assert.throws(
      () => packageFiles('ringmaster-no-such-package', [/x/]),
      (e: Error) => e instanceof PackageUnavailableError && /'ringmaster-no-such-package' is not available.*apt-get install ringmaster-no-such-package/.test(e.message),
    );
    assert.throws(
      () => packageFiles('ringmaster-no-such-package:armhf', [/x/]),
      /dpkg --add-architecture armhf/,
    );
  });

  it('a package without the wanted file says which pattern was not found', () => {
    assert.throws(() => packageFiles('dpkg', [/no-such-file-anywhere$/]), /'dpkg' is not available: it has no file matching/);
  });
});
