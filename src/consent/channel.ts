/**
 * How a spend reaches the person, and what the spend gate needs from its caller. Tools satisfy
 * SpendContext with their ToolContext; consent names what it needs here so that it never imports tools.
 */
import type { SceneProjectsApi } from '../api/contract.js';
import type { CreditBudget } from './budget.js';
import type { QuoteSigner } from './quote.js';

/** The answer a person gave to a consent question, as the surface received it. */
export interface ConsentAnswer {
  action: 'accept' | 'decline' | 'cancel';
  confirmed: boolean;
  /** The sealed quote token the question was asked about. */
  quoteToken?: string;
}

/**
 * How this surface can ask the person. The spend gate (gate.ts) is the one place that reads it.
 * - `elicit`: an MCP client that can elicit; `answer` is set when the person has answered.
 * - `arguments`: an MCP client that cannot elicit; the host's own approval prompt shows the call's arguments.
 * - `callback`: an application outside MCP that supplied `confirmSpend`.
 * - `app`: the storyboard view (MCP Apps): the person's click on a button showing the quoted figure;
 *   its call carries the quote token and that figure, like `arguments`, under a quote of its own.
 * - `none`: nobody can be asked; spending is refused.
 */
export type ConsentChannel =
  | { kind: 'elicit'; answer?: ConsentAnswer }
  | { kind: 'arguments' }
  | { kind: 'app' }
  | { kind: 'callback'; confirm: (quote: QuoteView) => Promise<boolean> }
  | { kind: 'none' };

/** A quote as shown to the model and the person. */
export interface QuoteView {
  action: 'approve_project' | 'regenerate_scene';
  project_id: number;
  scene_number?: number;
  credits: number;
  summary: string;
  params: Record<string, string | number | boolean>;
  quote_token: string;
  expires_at: string;
  /** What the credit limit leaves after this spend, as a sentence; absent when nothing limits it. */
  limit_note?: string;
}

export interface SpendContext {
  api: SceneProjectsApi;
  signal: AbortSignal;
  consent: ConsentChannel;
  signer: QuoteSigner;
  budget: CreditBudget;
  /** Told when a spend changed a project, so the live layer polls it at once. */
  follower?: { touched(projectId: number): void };
  /**
   * Runs `fn` holding the project's lock: a confirmed spend from its quote re-check through the
   * upstream call, and every edit, so an edit never lands between them. Waits (bounded) for another
   * holder, then refuses with a message saying nothing was done.
   */
  lockProject<T>(projectId: number, fn: () => Promise<T>, what?: string): Promise<T>;
  /** Events worth a person's attention (quote issued, consent given, generation started…). Never throws. */
  log(level: 'debug' | 'info' | 'warning', message: string, data?: Record<string, unknown>): void;
}
