// The closest known name to a mistyped one: typos of a letter or two find their name, a word
// that is merely short or unrelated finds none, and case does not matter.
import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from '../../src/did-you-mean.js';

const PROFILES = ['claude-code', 'codex', 'default', 'node-dev', 'opencode'];

describe('closestName', () => {
  it('finds the name a letter or two away', () => {
    expect(closestName('claud-code', PROFILES)).toBe('claude-code');
    expect(closestName('Claude-Cdoe', PROFILES)).toBe('claude-code');
    expect(closestName('defualt', PROFILES)).toBe('default');
    expect(closestName('codx', PROFILES)).toBe('codex');
  });

  it('finds nothing for a word that is not close to any name', () => {
    expect(closestName('nope', PROFILES)).toBeUndefined();
    expect(closestName('x', PROFILES)).toBeUndefined();
    expect(closestName('python', PROFILES)).toBeUndefined();
    expect(closestName('anything', [])).toBeUndefined();
  });

  it('prefers the nearest of several candidates', () => {
    expect(closestName('node-dex', ['node-d', 'node-dev'])).toBe('node-dev');
  });
});

describe('didYouMean', () => {
  it('is a parenthesis to put after the name, or nothing', () => {
    expect(didYouMean('claud-code', PROFILES)).toBe(' (did you mean claude-code?)');
    expect(didYouMean('nope', PROFILES)).toBe('');
  });
});
