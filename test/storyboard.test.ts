/**
 * The storyboard resource as a person sees it: rendered by a real Markdown renderer (markdown-it,
 * CommonMark plus GFM tables and strikethrough), text from the project must show as text.
 */
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import type { Project } from '../src/api/schemas.js';
import { projectView, storyboardMarkdown } from '../src/resources/storyboard.js';

const md = new MarkdownIt();
const HOSTILE =
  '# Not a heading *not bold* _not em_ | not | a table | [not a link](http://evil.example) `not code` <b>not html</b> ~~kept~~ &amp; 1. \\';

function project(text: string): Project {
  return {
    id: 7,
    status: 'proposed',
    story_idea: text,
    description: text,
    scenes: [1, 2].map((n) => ({
      id: 100 + n,
      scene_number: n,
      status: 'pending',
      description: n === 1 ? text : `- ${text}`,
      image_prompt: text,
      motion_prompt: `${text}\n\n# second line`,
      narration_text: text,
      image_url: 'https://media.example/a (1).png',
    })),
  };
}

/** The rendered page as plain text, tags dropped and entities decoded. */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe('storyboard Markdown', () => {
  it('shows #, *, _, |, [, ], backticks, tags and entities in project text as the characters they are', () => {
    const page = (text: string) => md.render(storyboardMarkdown(projectView(project(text)), new Date(0)));
    const html = page(HOSTILE);
    const plain = page('plain words');
    // The text adds no structure: every tag appears as often as on the same page with plain words.
    const tags = (h: string) => (h.match(/<[a-z0-9]+/g) ?? []).sort().join(' ');
    expect(tags(html)).toBe(tags(plain));
    expect(html).not.toContain('evil.example"');
    expect(html).toContain('href="https://media.example/a%20(1).png"');
    // And every occurrence reads back as the very characters given.
    const text = visible(html);
    expect(text.split(HOSTILE).length - 1).toBe(10);
    expect(text).toContain(`- ${HOSTILE}`);
    expect(text).toContain(`${HOSTILE} # second line`);
  });

  it('leaves ordinary text readable: no escapes where Markdown would not act', () => {
    const page = storyboardMarkdown(projectView(project('A robot learns to paint (slowly), at 5.30 am!')));
    expect(page).toContain('A robot learns to paint (slowly), at 5.30 am!');
  });
});
