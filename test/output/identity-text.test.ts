import { describe, expect, it } from 'vitest';
import { decidedBy, identitySuffix } from '../../src/output/identity-text.ts';
import { personOf, teamPeople } from '../../src/views/identity.ts';

describe('identitySuffix', () => {
  it('adds the OS user when the display name differs from it', () => {
    expect(identitySuffix('Li Wei', { user: 'liwei', kind: 'os-user' })).toBe(' (OS user liwei)');
  });

  it('adds the database role when the display name differs from it', () => {
    expect(identitySuffix('Li Wei', { user: 'liwei', kind: 'database-role' })).toBe(' (database role liwei)');
  });

  it('adds nothing when the display name is the identity, or the identity is unknown', () => {
    expect(identitySuffix('liwei', { user: 'liwei', kind: 'os-user' })).toBe('');
    expect(identitySuffix('Li Wei', null)).toBe('');
  });

  it('names the team member the identity belongs to when that is not the display name', () => {
    expect(identitySuffix('Someone Else', { user: 'liwei', kind: 'os-user' }, 'Li Wei')).toBe(' (OS user liwei, Li Wei)');
    expect(identitySuffix('liwei', { user: 'liwei', kind: 'database-role' }, 'Li Wei')).toBe(' (database role liwei, Li Wei)');
    expect(identitySuffix('Li Wei', { user: 'liwei', kind: 'os-user' }, 'Li Wei')).toBe(' (OS user liwei)');
  });
});

describe('the team roster', () => {
  const team = { dba: { name: 'Li Wei', user: 'liwei' }, lead: { name: 'Ana Ruiz' } };

  it('maps the users it names to people, and only those', () => {
    expect(teamPeople(team)).toEqual({ liwei: 'Li Wei' });
    expect(teamPeople(undefined)).toEqual({});
  });

  it('names the person whose user is the identity, whatever its kind', () => {
    expect(personOf({ user: 'liwei', kind: 'os-user' }, teamPeople(team))).toBe('Li Wei');
    expect(personOf({ user: 'liwei', kind: 'database-role' }, teamPeople(team))).toBe('Li Wei');
    expect(personOf({ user: 'ana', kind: 'os-user' }, teamPeople(team))).toBeNull();
    expect(personOf({ user: 'toString', kind: 'os-user' }, teamPeople(team))).toBeNull();
    expect(personOf(null, teamPeople(team))).toBeNull();
  });
});

describe('decidedBy', () => {
  const run = { operator: 'Someone Else', identity: { user: 'liwei', kind: 'os-user' as const }, person: 'Li Wei' };

  it("gives a decision in the operator's name the run's identity", () => {
    expect(decidedBy('Someone Else', run)).toBe('Someone Else (OS user liwei, Li Wei)');
    expect(decidedBy('Someone Else', { ...run, person: null })).toBe('Someone Else (OS user liwei)');
  });

  it('shows any other name as recorded, and the name alone when the identity is unknown', () => {
    expect(decidedBy('golive', run)).toBe('golive');
    expect(decidedBy('Someone Else', { ...run, identity: null })).toBe('Someone Else');
  });
});
