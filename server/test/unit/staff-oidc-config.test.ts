// BERTH_OIDC_* at boot: all-or-nothing, a public URL for the redirect, a safe issuer, and roles that are never admin.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';

const ON = {
  BERTH_PUBLIC_URL: 'https://try.school.example',
  BERTH_OIDC_ISSUER: 'https://login.school.example/realms/staff',
  BERTH_OIDC_CLIENT_ID: 'berth',
  BERTH_OIDC_CLIENT_SECRET: 's3cret-from-the-provider',
};

describe('BERTH_OIDC_* at boot', () => {
  test('off unless set; on, it names the redirect URI the operator registers, and a default button name', () => {
    assert.equal(loadConfig({}).oidc, null);
    assert.deepEqual(loadConfig(ON).oidc, {
      issuer: 'https://login.school.example/realms/staff',
      clientId: 'berth',
      clientSecret: 's3cret-from-the-provider',
      name: 'School account',
      redirectUri: 'https://try.school.example/api/staff/oidc/callback',
      newRole: null,
      domains: [],
    });
    const open = loadConfig({ ...ON, BERTH_OIDC_NAME: ' Springfield High ', BERTH_OIDC_NEW_ROLE: 'interviewer', BERTH_OIDC_DOMAINS: 'School.example, staff.school.example' }).oidc!;
    assert.deepEqual([open.name, open.newRole, open.domains], ['Springfield High', 'interviewer', ['school.example', 'staff.school.example']]);
  });

  test('issuer, client id and secret go together, each missing one named', () => {
    assert.throws(() => loadConfig({ ...ON, BERTH_OIDC_CLIENT_SECRET: '' }), /needs all of BERTH_OIDC_ISSUER, BERTH_OIDC_CLIENT_ID and BERTH_OIDC_CLIENT_SECRET: BERTH_OIDC_CLIENT_SECRET missing/);
    assert.throws(() => loadConfig({ BERTH_PUBLIC_URL: ON.BERTH_PUBLIC_URL, BERTH_OIDC_ISSUER: ON.BERTH_OIDC_ISSUER }), /BERTH_OIDC_CLIENT_ID, BERTH_OIDC_CLIENT_SECRET missing/);
    assert.throws(() => loadConfig({ BERTH_OIDC_NAME: 'School', BERTH_OIDC_NEW_ROLE: 'teacher' }), /BERTH_OIDC_NAME, BERTH_OIDC_NEW_ROLE need BERTH_OIDC_ISSUER/);
  });

  test('it needs BERTH_PUBLIC_URL: the provider sends staff back there', () => {
    assert.throws(() => loadConfig({ ...ON, BERTH_PUBLIC_URL: '' }), /OIDC sign-in needs BERTH_PUBLIC_URL/);
  });

  test('the issuer is https, or http only on this machine, with no credentials or query', () => {
    for (const issuer of ['http://login.school.example', 'ftp://login.school.example', 'login.school.example', 'https://u:p@login.school.example', 'https://login.school.example/?realm=staff']) {
      assert.throws(() => loadConfig({ ...ON, BERTH_OIDC_ISSUER: issuer }), /BERTH_OIDC_ISSUER=.* must be the provider's issuer URL/, issuer);
    }
    for (const issuer of ['http://localhost:8443', 'http://127.0.0.1:9000/realms/x']) assert.equal(loadConfig({ ...ON, BERTH_OIDC_ISSUER: issuer }).oidc!.issuer, issuer);
  });

  test('a new account is a teacher or an interviewer, never an admin, and only with the domains it may come from', () => {
    assert.throws(() => loadConfig({ ...ON, BERTH_OIDC_NEW_ROLE: 'admin', BERTH_OIDC_DOMAINS: 'school.example' }), /BERTH_OIDC_NEW_ROLE=admin must be teacher or interviewer \(an admin is never made by a sign-in/);
    assert.throws(() => loadConfig({ ...ON, BERTH_OIDC_NEW_ROLE: 'teacher' }), /BERTH_OIDC_NEW_ROLE needs BERTH_OIDC_DOMAINS/);
    assert.throws(() => loadConfig({ ...ON, BERTH_OIDC_DOMAINS: 'school.example' }), /BERTH_OIDC_DOMAINS does nothing without BERTH_OIDC_NEW_ROLE/);
    assert.throws(() => loadConfig({ ...ON, BERTH_OIDC_NEW_ROLE: 'teacher', BERTH_OIDC_DOMAINS: 'school.example,@evil,*.example' }), /BERTH_OIDC_DOMAINS: "@evil", "\*.example" is not an email domain/);
  });

  test('a secret or id with spaces, and a button name of many lines, are refused; the secret is never in a problem', () => {
    const err = (() => {
      try {
        loadConfig({ ...ON, BERTH_OIDC_CLIENT_SECRET: 'has a space', BERTH_OIDC_CLIENT_ID: 'x y', BERTH_OIDC_NAME: 'two\nlines' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    assert.match(err, /BERTH_OIDC_CLIENT_SECRET must be 1 to 512 printable characters/);
    assert.match(err, /BERTH_OIDC_CLIENT_ID must be 1 to 256 printable characters/);
    assert.match(err, /BERTH_OIDC_NAME must be one line of at most 40 characters/);
    assert.ok(!err.includes('has a space'));
  });
});
