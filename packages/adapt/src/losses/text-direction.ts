/**
 * StyleGAN-NADA's text direction ΔT, as `CLIPLoss.compute_text_direction` computes it
 * (rinongal/StyleGAN-nada `ZSSGAN/criteria/clip_loss.py`):
 *
 *   s_t = normalize(E_T(template_t(source)))      every template embedding L2-normalised first
 *   g_t = normalize(E_T(template_t(target)))
 *   ΔT  = normalize( mean_t (g_t − s_t) )          difference per template, mean, then normalise
 *
 * (the mean of the differences equals the difference of the means; the normalisation of the
 * result comes last). The result is [1, D], as the official `keepdim=True` mean leaves it.
 *
 * Also here: the class embedding of `set_text_features` (used by the manifold-angle loss), which
 * normalises per template, averages, and normalises again.
 */
import { l2Normalize, mean, sub, type Tensor } from '@stylegpu/kernels';
import { IMAGENET_TEMPLATES, formatTemplate } from '../templates.js';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

/** A CLIP text encoder: one embedding row per text, [texts.length, D]. */
export type TextEncoder = (texts: string[]) => Tensor;

/** Every template filled with the class name, in template order (`compose_text_with_templates`). */
export function composeWithTemplates(className: string, templates: readonly string[] = IMAGENET_TEMPLATES): string[] {
  if (typeof className !== 'string') throw new Error(`composeWithTemplates: the class name must be a string, got ${typeof className}`);
  if (templates.length === 0) throw new Error(`composeWithTemplates: no templates given for '${className}'`);
  return templates.map((t) => formatTemplate(t, className));
}

/** ΔT from per-template embeddings of the source and target class, both [T, D] (unnormalised). */
export function textDirectionFromEmbeddings(sourceTemplates: Tensor, targetTemplates: Tensor): Tensor {
  const op = 'textDirection';
  const shapes = describe({ source: sourceTemplates, target: targetTemplates });
  const [Ts, Ds] = checkEmbeddings(op, 'source template embeddings', sourceTemplates, shapes);
  const [Tt, Dt] = checkEmbeddings(op, 'target template embeddings', targetTemplates, shapes);
  if (Ts !== Tt || Ds !== Dt) throw new Error(`${op}: source and target template embeddings must have the same shape [T, D] (${shapes})`);
  checkSameRuntime(op, [sourceTemplates, targetTemplates], shapes);
  const perTemplate = sub(l2Normalize(targetTemplates), l2Normalize(sourceTemplates));
  return l2Normalize(mean(perTemplate, 0, true));
}

/** ΔT for a source and a target class: both expanded with the templates and encoded by `encode`. */
export function textDirection(
  encode: TextEncoder,
  sourceClass: string,
  targetClass: string,
  templates: readonly string[] = IMAGENET_TEMPLATES,
): Tensor {
  const sourceTexts = composeWithTemplates(sourceClass, templates);
  const targetTexts = composeWithTemplates(targetClass, templates);
  const source = checkEncoded(encode(sourceTexts), sourceTexts.length, sourceClass);
  const target = checkEncoded(encode(targetTexts), targetTexts.length, targetClass);
  return textDirectionFromEmbeddings(source, target);
}

/** normalize(mean_t normalize(E_T(template_t(class)))), [1, D]: `set_text_features` for one class. */
export function classTextEmbeddingFromEmbeddings(templateEmbeddings: Tensor): Tensor {
  checkEmbeddings('classTextEmbedding', 'template embeddings', templateEmbeddings, describe({ templates: templateEmbeddings }));
  return l2Normalize(mean(l2Normalize(templateEmbeddings), 0, true));
}

/** The class embedding of `set_text_features`, encoding the class with every template. */
export function classTextEmbedding(encode: TextEncoder, className: string, templates: readonly string[] = IMAGENET_TEMPLATES): Tensor {
  const texts = composeWithTemplates(className, templates);
  return classTextEmbeddingFromEmbeddings(checkEncoded(encode(texts), texts.length, className));
}

function checkEncoded(t: Tensor, rows: number, className: string): Tensor {
  if (!t || typeof t.assertLive !== 'function') throw new Error(`textDirection: the encoder returned no tensor for '${className}'`);
  if (t.rank !== 2 || t.shape[0] !== rows) {
    throw new Error(`textDirection: the encoder returned [${t.shape.join(', ')}] for ${rows} texts of '${className}', expected [${rows}, D]`);
  }
  return t;
}
