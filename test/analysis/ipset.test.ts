import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, formatRange, ipAtoms, IpSet, parseAddress, parseCidr } from '../../src/analysis/ipset';

describe('CIDRs and addresses', () => {
  test('an IPv4 CIDR covers its network to its broadcast address', () => {
    assert.equal(formatRange(parseCidr('10.1.0.0/16')), '10.1.0.0-10.1.255.255');
  });

  test('an IPv6 CIDR covers its prefix', () => {
    assert.equal(formatRange(parseCidr('fd00::/8')), 'fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  test('host bits are rejected by default and masked on request', () => {
    assert.throws(() => parseCidr('10.0.0.1/8'), /host bits/);
    assert.equal(formatRange(parseCidr('10.0.0.1/8', 'mask')), '10.0.0.0-10.255.255.255');
  });

  test('malformed CIDRs are rejected with the text in the message', () => {
    assert.throws(() => parseCidr('10.0.0.0'), /10\.0\.0\.0/);
    assert.throws(() => parseCidr('10.0.0.0/33'), /prefix/);
    assert.throws(() => parseCidr('300.0.0.0/8'), /IPv4/);
  });

  test('IPv6 addresses print in RFC 5952 form', () => {
    assert.equal(formatAddress('IPv6', parseAddress('2001:0db8:0000:0000:0000:0000:0000:0001').value), '2001:db8::1');
    assert.equal(formatAddress('IPv6', parseAddress('::ffff:1.2.3.4').value), '::ffff:102:304');
  });
});

describe('IpSet', () => {
  test('an ipBlock is its CIDR minus its exceptions', () => {
    const s = IpSet.fromBlock('10.0.0.0/8', ['10.1.0.0/16']);
    assert.ok(s.containsAddress('10.0.0.1'));
    assert.ok(!s.containsAddress('10.1.2.3'));
    assert.ok(s.containsAddress('10.2.0.0'));
  });

  test('an IPv4 block never contains an IPv6 address', () => {
    assert.ok(!IpSet.fromBlock('0.0.0.0/0').containsAddress('::1'));
  });

  test('IPv6 exceptions work like IPv4 ones', () => {
    const s = IpSet.fromBlock('fd00::/8', ['fd00::/16']);
    assert.ok(!s.containsAddress('fd00::1'));
    assert.ok(s.containsAddress('fd01::1'));
  });
});

describe('atoms', () => {
  test('atoms cut the address space where any block starts or ends, and only there', () => {
    const atoms = ipAtoms([IpSet.fromBlock('0.0.0.0/0', ['10.0.0.0/8'])], ['IPv4']).map(formatRange);
    assert.deepEqual(atoms, ['0.0.0.0-9.255.255.255', '10.0.0.0-10.255.255.255', '11.0.0.0-255.255.255.255']);
  });

  test('without blocks the single atom is the whole address space of each family', () => {
    assert.deepEqual(ipAtoms([], ['IPv4', 'IPv6']).map(formatRange), ['0.0.0.0-255.255.255.255', '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
  });

  test('exceptions at the edge of a block do not split the range outside it', () => {
    const atoms = ipAtoms([IpSet.fromBlock('10.0.0.0/8', ['10.0.0.0/16', '10.1.0.0/16'])], ['IPv4']).map(formatRange);
    assert.deepEqual(atoms, ['0.0.0.0-10.1.255.255', '10.2.0.0-10.255.255.255', '11.0.0.0-255.255.255.255']);
  });
});
