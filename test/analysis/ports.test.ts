import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionSet, parseConnectionText, PortSet } from '../../src/analysis/ports';

describe('PortSet', () => {
  test('overlapping and adjacent ranges merge into one canonical interval list', () => {
    assert.equal(PortSet.fromRanges([[10, 20], [21, 30], [15, 16], [40, 40]]).toString(), '10-30,40');
  });

  test('ranges are clamped to 1-65535 and inverted ranges are empty', () => {
    assert.ok(PortSet.range(0, 70000).isAll());
    assert.ok(PortSet.range(9, 8).isEmpty());
  });

  test('subtracting a port from the middle splits a range', () => {
    assert.equal(PortSet.all.subtract(PortSet.range(80, 80)).toString(), '1-79,81-65535');
  });

  test('intersection keeps only common ports', () => {
    const a = PortSet.fromRanges([[1, 100], [200, 300]]);
    const b = PortSet.fromRanges([[50, 250]]);
    assert.equal(a.intersect(b).toString(), '50-100,200-250');
  });

  test('equal sets built differently are equal', () => {
    assert.ok(PortSet.fromRanges([[1, 5], [6, 10]]).equals(PortSet.range(1, 10)));
  });
});

describe('ConnectionSet', () => {
  test('every protocol on every port is "All Connections"', () => {
    const all = ConnectionSet.protocol('TCP').union(ConnectionSet.protocol('UDP')).union(ConnectionSet.protocol('SCTP'));
    assert.ok(all.isAll());
    assert.equal(all.toString(), 'All Connections');
  });

  test('protocols print alphabetically, ports comma-separated', () => {
    const c = ConnectionSet.of('UDP', PortSet.range(53, 53)).union(ConnectionSet.of('TCP', PortSet.fromRanges([[80, 80], [8000, 8080]])));
    assert.equal(c.toString(), 'TCP 80,8000-8080,UDP 53');
  });

  test('subtracting one TCP port from everything leaves the other protocols whole', () => {
    const c = ConnectionSet.all.subtract(ConnectionSet.of('TCP', PortSet.range(80, 80)));
    assert.equal(c.toString(), 'SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535');
  });

  test('intersection of disjoint protocols is empty', () => {
    assert.ok(ConnectionSet.protocol('TCP').intersect(ConnectionSet.protocol('UDP')).isEmpty());
  });

  test('contains answers per protocol and port', () => {
    const c = ConnectionSet.of('UDP', PortSet.range(50, 60));
    assert.ok(c.contains('UDP', 52));
    assert.ok(!c.contains('TCP', 52));
  });

  test('the connection text parses back to the same set', () => {
    for (const text of ['All Connections', 'TCP 80', 'SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535', 'TCP 8080,UDP 80,5000-6000']) {
      assert.equal(parseConnectionText(text).toString(), text);
    }
  });
});
