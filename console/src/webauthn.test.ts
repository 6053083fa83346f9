import { describe, expect, it } from 'vitest';
import { originProblem } from './webauthn';

describe('originProblem', () => {
  it('accepts the relying party and its subdomains', () => {
    expect(originProblem('localhost', 'localhost')).toBe('');
    expect(originProblem('pay.example.com', 'example.com')).toBe('');
  });
  it('says where to open the page otherwise', () => {
    expect(originProblem('127.0.0.1', 'localhost')).toContain('open it at localhost');
    expect(originProblem('badexample.com', 'example.com')).toContain('belong to example.com');
  });
});
