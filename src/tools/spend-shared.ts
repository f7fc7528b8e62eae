/** Input fields and output shape shared by the two spending tools. */
import { z } from 'zod';
import type { GateResult } from '../consent/gate.js';
import type { ToolOutcome } from './define.js';
import { projectLink, QuoteOut } from './shapes.js';

export const spendInputs = {
  confirm_credits: z
    .boolean()
    .optional()
    .describe('true only once the person agreed to the quoted credits; omit for a quote.'),
  quote_token: z.string().max(8192).optional().describe('From the quote the person agreed to.'),
  max_credits: z
    .int()
    .min(0)
    .optional()
    .describe('The most credits the person agreed to; at least the quoted figure.'),
};

export const SpendOutput = z.object({
  outcome: z.enum(['quote', 'started', 'declined', 'refused']),
  project_id: z.int(),
  credits: z.int().describe('Quoted or reserved; 0 if refused or declined.'),
  quote: QuoteOut.optional(),
  status: z.string().optional(),
  message: z.string(),
  next_step: z.string(),
});
export type SpendOutput = z.input<typeof SpendOutput>;

/** Turns the gate's verdict into a tool outcome; `started` renders the success text of each tool. */
export function spendOutcome<R extends { status?: string | null; message?: string | null }>(
  projectId: number,
  gate: GateResult<R>,
  action: string,
  started: (r: R, credits: number) => { message: string; next: string },
): ToolOutcome<SpendOutput> {
  const links = [projectLink({ id: projectId })];
  switch (gate.kind) {
    case 'ask':
      return { ask: { message: gate.message, quote: gate.quote } };
    case 'quote': {
      const q = gate.quote;
      const ask = `Ask the person whether they agree to spend ${q.credits} credits. If they agree, call ${action} again with the same arguments plus confirm_credits: true, max_credits: ${q.credits} and`;
      const limit = q.limit_note ? ` ${q.limit_note}` : '';
      const message = `Quote: ${q.credits} credits. ${q.summary}.${limit} Nothing has been spent.`;
      return {
        structured: {
          outcome: 'quote',
          project_id: projectId,
          credits: q.credits,
          quote: q,
          message,
          next_step: `${ask} quote_token from quote.quote_token (valid until ${q.expires_at}).`,
        },
        // The token appears once in the text, for hosts that show the model text only.
        text: `${message}\nNext: ${ask} quote_token: "${q.quote_token}" (valid until ${q.expires_at}).`,
        links,
      };
    }
    case 'declined':
    case 'refused': {
      const next =
        gate.kind === 'declined'
          ? 'Ask the person what to change; do not retry the spend unless they ask for it.'
          : (gate.next ??
            `Get a fresh quote with ${action} (without quote_token) and show the person the figure.`);
      return {
        structured: {
          outcome: gate.kind,
          project_id: projectId,
          credits: 0,
          message: gate.message,
          next_step: next,
        },
        text: gate.kind === 'refused' && gate.next ? `${gate.message}\nNext: ${gate.next}` : gate.message,
        links,
        isError: gate.kind === 'refused',
      };
    }
    case 'spent': {
      const done = started(gate.result, gate.credits);
      // An outside edit during the spend comes first: the person must hear it before anything else.
      const message = gate.warning ? `${gate.warning}\n${done.message}` : done.message;
      const next = done.next;
      return {
        structured: {
          outcome: 'started',
          project_id: projectId,
          credits: gate.credits,
          quote: gate.quote,
          status: gate.result.status ?? undefined,
          message,
          next_step: next,
        },
        text: `${message}\nNext: ${next}`,
        links,
      };
    }
  }
}
