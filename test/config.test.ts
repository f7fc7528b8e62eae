/** Configuration: defaults < environment < flags, validated with messages that name what to fix. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTINGS, TOOL_NAMES } from '../src/config.js';
import { TOOLS } from '../src/tools/index.js';

describe('precedence', () => {
  it('defaults', () => {
    const c = loadConfig([], {});
    expect(c.mode).toBe('stdio');
    expect(c.api.url).toBe('https://api.twin.actor/api/v1');
    expect(c.api.token).toBeUndefined();
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 3333, maxBodyBytes: 1024 * 1024 });
    expect(c.readOnly).toBe(false);
    expect(c.tools).toBeUndefined();
    expect(c.consent.creditLimit).toBeUndefined();
  });

  it('environment over defaults, flags over environment', () => {
    const env = {
      TWIN_API_URL: 'http://env.example/api/v1/',
      TWIN_PERSON_ID: '7',
      TWIN_CREDIT_LIMIT: '900',
      TWIN_READ_ONLY: 'true',
      MCP_HTTP_PORT: '4000',
      TWIN_API_TOKEN: ' secret-token ',
    };
    const fromEnv = loadConfig([], env);
    expect(fromEnv.api).toEqual({ url: 'http://env.example/api/v1', token: 'secret-token', personId: 7 });
    expect(fromEnv.consent.creditLimit).toBe(900);
    expect(fromEnv.readOnly).toBe(true);
    expect(fromEnv.http.port).toBe(4000);
    const fromFlags = loadConfig(
      ['--person-id', '8', '--credit-limit', '100', '--port', '5000', '--http'],
      env,
    );
    expect(fromFlags.api.personId).toBe(8);
    expect(fromFlags.consent.creditLimit).toBe(100);
    expect(fromFlags.http.port).toBe(5000);
    expect(fromFlags.mode).toBe('http');
  });

  it('commands and modes', () => {
    expect(loadConfig(['sandbox', '--port', '4010'], {}).mode).toBe('sandbox');
    expect(loadConfig(['sandbox'], {}).sandbox.port).toBe(4010);
    expect(loadConfig(['tools', '--format', 'openai'], {}).toolsFormat).toBe('openai');
    expect(loadConfig(['--sandbox'], {}).sandbox.enabled).toBe(true);
    expect(loadConfig([], { TWIN_SANDBOX: '1' }).sandbox.enabled).toBe(true);
    expect(loadConfig(['--help'], {}).mode).toBe('help');
  });
});

describe('validation', () => {
  it.each([
    [['--person-id', 'abc'], /--person-id \/ TWIN_PERSON_ID must be a whole number/],
    [['--port', '70000'], /--port \/ MCP_HTTP_PORT must be a whole number from 0 to 65535/],
    [['--tools', 'get_status,launch_rockets'], /unknown tools: launch_rockets/],
    [['--api-url', 'ftp://x'], /must be an http\(s\) URL/],
    [['--api-url', 'https://me:secret@api.example/v1'], /must not carry a user or password/],
    [['--log-level', 'loud'], /--log-level/],
    [['--http', '--host', '0.0.0.0'], /needs a bearer token/],
    [['--http-token', 'short'], /at least 16 characters/],
    [['--nope'], /--help/],
    [['deploy'], /Unknown command/],
    [['--read-only', '--tools', 'approve_project'], /no tool would be offered/],
  ])('%j is refused clearly', (argv, message) => {
    expect(() => loadConfig(argv as string[], {})).toThrow(ConfigError);
    expect(() => loadConfig(argv as string[], {})).toThrow(message);
  });

  it('a short quote key is refused', () => {
    expect(() => loadConfig([], { TWIN_QUOTE_KEY: 'too-short' })).toThrow(
      /TWIN_QUOTE_KEY must be at least 32/,
    );
  });

  it('a non-loopback host is allowed with an HTTP token', () => {
    const c = loadConfig(['--http', '--host', '0.0.0.0'], { MCP_HTTP_TOKEN: 'a-long-enough-token-123' });
    expect(c.http.token).toBe('a-long-enough-token-123');
  });
});

describe('no drift', () => {
  it('the allow-list names are the registry’s tools', () => {
    expect([...TOOL_NAMES].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it('the README configuration table lists every setting', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [flag, envName] of SETTINGS) {
      if (envName) expect(readme, envName).toContain(`\`${envName}\``);
      if (flag) expect(readme, flag).toContain(`\`${flag}\``);
    }
  });
});

describe('bundle placeholders', () => {
  // Built with '$' + '{' so the literal placeholder text is what reaches loadConfig.
  const placeholder = (key: string) => `$${'{'}user_config.${key}}`;
  it('treats an unfilled user_config placeholder as unset', () => {
    const c = loadConfig([], {
      TWIN_API_TOKEN: placeholder('api_token'),
      TWIN_PERSON_ID: placeholder('person_id'),
      TWIN_CREDIT_LIMIT: '',
      TWIN_READ_ONLY: placeholder('read_only'),
    });
    expect(c.api.token).toBeUndefined();
    expect(c.api.personId).toBeUndefined();
    expect(c.consent.creditLimit).toBeUndefined();
    expect(c.readOnly).toBe(false);
  });
});
