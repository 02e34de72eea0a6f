/**
 * `--templates`: the prompt templates NADA's text direction averages over (NadaTrainer's `templates`;
 * the official code hard-codes the ImageNet list, `imagenet_templates`, and has no flag for it). A
 * word-tokenized CLIP knows only its captions' words, so it needs templates in its own vocabulary.
 *
 *   --templates "a {} circle,a {} square"   comma-separated, each with {} where the class name goes
 *   --templates prompts.txt                  a file, one template per line (blank lines and # comments skipped),
 *                                            for templates that hold commas
 * A value with {} in it is a list; any other value names a file.
 */
import { readFileSync } from 'node:fs';
import { CliError, fsReason } from './cli-error.js';

const TODO = 'give comma-separated templates with {} where the class name goes (e.g. "a {} circle,a {} square"), or a file of one template per line';

export function parseTemplatesFlag(what: string, value: string): string[] {
  let templates: string[];
  if (value.includes('{}')) {
    templates = value.split(',').map((t) => t.trim()).filter(Boolean);
  } else {
    let text: string;
    try {
      text = readFileSync(value, 'utf8');
    } catch (e) {
      throw new CliError(what, `'${value}'`, `has no {} for the class name, and as a file: ${fsReason(e)}`, TODO);
    }
    templates = text.split(/\r?\n/).map((t) => t.trim()).filter((t) => t !== '' && !t.startsWith('#'));
    if (!templates.length) throw new CliError(what, value, 'the file holds no templates', TODO);
  }
  const bad = templates.find((t) => !t.includes('{}'));
  if (bad !== undefined) throw new CliError(what, `'${bad}'`, 'has no {} for the class name (source and target would read the same)', TODO);
  return templates;
}
