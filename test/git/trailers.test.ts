/**
 * Trailers: what Airlock writes is one clean trailer block; what it reads is what `git interpret-trailers --parse`
 * reads (checked against the real git binary, message by message).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrailerError } from '../../src/git/errors';
import { formatCommitMessage } from '../../src/git/message';
import { foldTrailerValue, formatTrailers, parseTrailers, readAirlockTrailers, type Trailers } from '../../src/git/trailers';
import { gitInput } from './helpers';

const here = process.cwd();

/** Real git's reading of a message. */
function gitParse(message: string): string[] {
  return gitInput(here, message, 'interpret-trailers', '--parse').split('\n').filter(Boolean);
}

function ours(message: string): string[] {
  return parseTrailers(message).map((t) => `${t.key}: ${t.value}`);
}

describe('formatTrailers', () => {
  it('writes incident, action, severity, one line per alert and break-glass, in that order', () => {
    const text = formatTrailers({ incident: 'INC-7', action: 'contain', severity: 'critical', alerts: ['a-1', 'a-2'], breakGlass: 'worm' });
    assert.equal(
      text,
      ['Airlock-Incident: INC-7', 'Airlock-Action: contain', 'Airlock-Severity: critical', 'Airlock-Alert: a-1', 'Airlock-Alert: a-2', 'Airlock-Break-Glass: worm'].join('\n'),
    );
  });

  it('refuses a value with a newline, so no value can forge another trailer', () => {
    assert.throws(
      () => formatTrailers({ incident: 'INC-7', action: 'contain', breakGlass: 'because\nAirlock-Action: lift' }),
      (error: unknown) => error instanceof TrailerError && error.field === 'Airlock-Break-Glass' && error.exitCode === 3,
    );
  });

  it('refuses carriage returns, other control characters and Unicode line separators too', () => {
    for (const bad of ['a\rb', 'a\u0000b', 'a\u2028b', 'a\u0085b', 'a\u001bb']) {
      assert.throws(() => formatTrailers({ incident: bad, action: 'contain' }), TrailerError, JSON.stringify(bad));
    }
  });

  it('refuses an empty value and an action outside contain|update|lift', () => {
    assert.throws(() => formatTrailers({ incident: '  ', action: 'contain' }), TrailerError);
    assert.throws(() => formatTrailers({ incident: 'INC-1', action: 'nuke' } as unknown as Trailers), /contain \| update \| lift/);
  });

  it('folds multi-line text into one line only when asked to', () => {
    assert.equal(foldTrailerValue('  pasted\r\nfrom   chat\u2028today \t'), 'pasted from chat today');
  });
});

describe('formatCommitMessage', () => {
  it('puts the trailers last, where git finds them, and git reads back exactly what was written', () => {
    const message = formatCommitMessage({
      subject: 'incident(INC-7): isolate pod payments/api',
      body: 'Why: outbound traffic to a known miner pool.',
      trailers: { incident: 'INC-7', action: 'contain', alerts: ['falco-1'] },
    });
    assert.equal(
      message,
      'incident(INC-7): isolate pod payments/api\n\nWhy: outbound traffic to a known miner pool.\n\nAirlock-Incident: INC-7\nAirlock-Action: contain\nAirlock-Alert: falco-1\n',
    );
    assert.deepEqual(gitParse(message), ['Airlock-Incident: INC-7', 'Airlock-Action: contain', 'Airlock-Alert: falco-1']);
  });

  it('does not let trailer-like lines in the body count as trailers', () => {
    const message = formatCommitMessage({ subject: 's', body: 'Airlock-Action: lift', trailers: { incident: 'INC-7', action: 'contain' } });
    assert.deepEqual(gitParse(message), ['Airlock-Incident: INC-7', 'Airlock-Action: contain']);
  });

  it('indents a body line starting with --- so git does not take it for the patch divider and lose the trailers', () => {
    const message = formatCommitMessage({ subject: 's', body: 'plan\n---\nmore', trailers: { incident: 'INC-7', action: 'contain' } });
    assert.deepEqual(gitParse(message), ['Airlock-Incident: INC-7', 'Airlock-Action: contain']);
  });

  it('refuses a subject that spans lines', () => {
    assert.throws(() => formatCommitMessage({ subject: 'one\n\nAirlock-Action: lift', trailers: { incident: 'I', action: 'contain' } }), TrailerError);
  });
});

describe('parseTrailers agrees with git interpret-trailers --parse', () => {
  const cases: Record<string, string> = {
    'a plain trailer block': 'subject\n\nbody\n\nAirlock-Incident: INC-1\nAirlock-Action: contain\n',
    'repeated keys keep their order': 'subject\n\nAirlock-Alert: a\nAirlock-Alert: b\nAirlock-Incident: I\n',
    'a title alone holds no trailers': 'Airlock-Incident: INC-1\n',
    'a paragraph with a non-trailer line is not a block': 'subject\n\nAirlock-Incident: INC-1\nnot a trailer\n',
    'Signed-off-by lets a 25% block count': 'subject\n\nsome text\nmore text\nSigned-off-by: A <a@b>\nAirlock-Incident: I\n',
    'continuation lines unfold': 'subject\n\nAirlock-Break-Glass: a long\n  reason here\nAirlock-Incident: I\n',
    'spaces before the colon are normalised': 'subject\n\nAirlock-Incident : INC-1\nKey:value\n',
    'the patch divider ends the message': 'subject\n\nbody\n---\nAirlock-Incident: INC-1\n',
    'trailing comments and blank lines are ignored': 'subject\n\nAirlock-Incident: INC-1\n\n# comment\n\n',
    'only the last paragraph counts': 'subject\n\nAirlock-Incident: OLD\n\nbody text\n',
    'CRLF messages': 'subject\r\n\r\nAirlock-Incident: INC-1\r\nAirlock-Action: lift\r\n',
    'an empty message': '',
  };
  for (const [name, message] of Object.entries(cases)) {
    it(name, () => {
      assert.deepEqual(ours(message), gitParse(message));
    });
  }
});

describe('readAirlockTrailers', () => {
  it('matches keys case-insensitively, as git does', () => {
    const parsed = readAirlockTrailers(parseTrailers('s\n\nairlock-incident: INC-1\nAIRLOCK-ACTION: lift\n'));
    assert.equal(parsed.incident, 'INC-1');
    assert.equal(parsed.action, 'lift');
    assert.deepEqual(parsed.problems, []);
  });

  it('reports an unknown action and a repeated incident instead of hiding the commit', () => {
    const parsed = readAirlockTrailers(parseTrailers('s\n\nAirlock-Incident: A\nAirlock-Incident: B\nAirlock-Action: nuke\n'));
    assert.equal(parsed.incident, 'A');
    assert.equal(parsed.action, 'unknown');
    assert.equal(parsed.problems.length, 2);
  });
});
