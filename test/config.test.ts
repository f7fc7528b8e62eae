/** Configuration: defaults < environment < flags, validated with messages that name what to fix. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, loadConfig, merge, parseFlags, readEnv, validate } from '../src/config.js';
import { SETTINGS, type Setting } from '../src/settings.js';
import { READ_ONLY_TOOL_NAMES, TOOLS } from '../src/tools/index.js';

const declared = Object.values(SETTINGS) as Setting[];

describe('the pipeline, stage by stage', () => {
  it('parseFlags: flags become settings by their declared names; commands are recognised', () => {
    expect(parseFlags(['tools', '--format', 'openai', '--read-only', '-h'])).toEqual({
      command: 'tools',
      values: { format: 'openai', readOnly: true, help: true },
      args: [],
    });
    expect(parseFlags(['tenants', 'add', 'alice', '--read-only'])).toEqual({
      command: 'tenants',
      values: { readOnly: true },
      args: ['add', 'alice'],
    });
    expect(parseFlags([]).command).toBeUndefined();
    expect(() => parseFlags(['--nope'])).toThrow(/Unknown option '--nope'\. Run with --help/);
    expect(() => parseFlags(['sandbox', 'extra'])).toThrow(/Unknown command "sandbox extra"/);
  });

  it('readEnv: declared variables only, blank and unfilled bundle placeholders are unset', () => {
    expect(
      readEnv({
        MCP_HTTP_PORT: '4000',
        TWIN_CREDIT_LIMIT: '  ',
        TWIN_PERSON_ID: `$${'{'}user_config.person_id}`,
        UNRELATED: 'x',
      }),
    ).toEqual({ port: '4000' });
    expect(readEnv({ MCP_HTTP_PORT: '4000', TWIN_API_URL: 'http://a' }, ['apiUrl'])).toEqual({
      apiUrl: 'http://a',
    });
  });

  it('merge: defaults < earlier layers < later layers; unset never hides a value', () => {
    const merged = merge({ port: '4000', host: 'h' }, { port: '5000', host: undefined });
    expect(merged.port).toBe('5000');
    expect(merged.host).toBe('h');
    expect(merged.maxSessions).toBe(SETTINGS.maxSessions.default);
    expect(merged).not.toHaveProperty('personId');
  });

  it('validate: text becomes typed values; a failure names the flag and the variable and quotes the value', () => {
    const v = validate({
      port: '4000',
      readOnly: 'yes',
      tools: 'get_status, list_projects',
      apiUrl: 'http://x/v1/',
    });
    expect(v).toEqual({
      port: 4000,
      readOnly: true,
      tools: ['get_status', 'list_projects'],
      apiUrl: 'http://x/v1',
    });
    expect(() => validate({ port: '1.5' })).toThrow(
      'MCP_HTTP_PORT must be a whole number from 0 to 65535; got "1.5".',
    );
    expect(() => validate({ readOnly: 'maybe' })).toThrow(
      /^--read-only \/ TWIN_READ_ONLY must be true or false .*; got "maybe"\.$/,
    );
    // Secrets are never echoed.
    expect(() => validate({ httpToken: 'short-secret' })).toThrow(
      /^--http-token \/ MCP_HTTP_TOKEN must be at least 16 characters\.$/,
    );
  });

  it('validate: a library names its own options', () => {
    expect(() => validate({ creditLimit: 1.5 }, { label: (k) => `the ${k} option` })).toThrow(
      'the creditLimit option must be a whole number from 0 to 100000000; got "1.5".',
    );
  });
});

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
    [['--tenants'], /--tenants \/ MCP_HTTP_TENANTS serves many people over HTTP: add --http/],
    [['--http', '--tenants'], /needs TWIN_STORE_KEY/],
    [['--http', '--tenants', '--sandbox'], /point --api-url \/ TWIN_API_URL at it instead/],
    [['--http', '--tenants', '--http-token', 'x'.repeat(16)], /is for serving one person: unset it/],
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

  it('a token under 8 characters is refused for a remote API, without echoing it', () => {
    for (const env of [
      { TWIN_API_TOKEN: 'T' },
      { TWIN_API_TOKEN: 'Tok4567', TWIN_API_URL: 'https://api.example.com/v1' },
    ]) {
      let message = '';
      try {
        loadConfig([], env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/TWIN_API_TOKEN is shorter than 8 characters.*set the whole token/);
      expect(message).not.toContain(`"${env.TWIN_API_TOKEN}"`);
      expect(message).not.toMatch(/\bTok4567\b/);
    }
    // An 8-character token, a loopback API (a local sandbox) or --sandbox are fine; so are commands that do not call the API.
    expect(loadConfig([], { TWIN_API_TOKEN: 'Tok45678' }).api.token).toBe('Tok45678');
    for (const url of [
      'http://127.0.0.1:4010/api/v1',
      'http://localhost:4010/api/v1',
      'http://[::1]:4010/api/v1',
    ]) {
      expect(loadConfig([], { TWIN_API_TOKEN: 'T', TWIN_API_URL: url }).api.token).toBe('T');
    }
    expect(loadConfig(['--sandbox'], { TWIN_API_TOKEN: 'T' }).sandbox.enabled).toBe(true);
    expect(loadConfig(['tools'], { TWIN_API_TOKEN: 'T' }).mode).toBe('tools');
    expect(() => loadConfig(['--http'], { TWIN_API_TOKEN: 'T' })).toThrow(/shorter than 8/);
  });

  it('a non-loopback host is allowed with an HTTP token', () => {
    const c = loadConfig(['--http', '--host', '0.0.0.0'], { MCP_HTTP_TOKEN: 'a-long-enough-token-123' });
    expect(c.http.token).toBe('a-long-enough-token-123');
  });
});

describe('one place per fact', () => {
  it('read-only mode keeps exactly the tools annotated read-only', () => {
    expect(READ_ONLY_TOOL_NAMES).toEqual(TOOLS.filter((t) => t.annotations.readOnlyHint).map((t) => t.name));
    expect(READ_ONLY_TOOL_NAMES.length).toBeGreaterThan(0);
    // The consent-critical half: nothing that spends is ever offered as read-only.
    for (const t of TOOLS) if (t.effect === 'spend') expect(READ_ONLY_TOOL_NAMES).not.toContain(t.name);
  });

  it('flags and variables are each declared once', () => {
    const flags = declared.flatMap((s) => (s.flag ? [s.flag] : []));
    const envs = declared.flatMap((s) => (s.env ? [s.env] : []));
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(envs).size).toBe(envs.length);
  });

  it('--help shows every setting with its flag, variable and default', () => {
    const help = helpText('9.9.9');
    for (const s of declared) {
      if (s.flag) expect(help, s.flag).toContain(s.flag);
      if (s.env) expect(help, s.env).toContain(s.env);
    }
    expect(help).toMatch(/--port\s+MCP_HTTP_PORT\s+HTTP port \(default 3333\)\./);
    expect(help).toContain('sandbox [--port 4010]');
  });

  it('the README configuration table lists every server setting', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const s of declared) {
      if (s.command || s.short) continue;
      if (s.env) expect(readme, s.env).toContain(`\`${s.env}\``);
      if (s.flag) expect(readme, s.flag).toContain(`\`${s.flag}\``);
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
