#!/usr/bin/env python3
"""Independent float64 PyTorch reference for OpenAI CLIP (ViT image encoder, text transformer, logits)
and for the preprocessing StyleGAN-NADA applies to generated images.

Written from the documented semantics (shared/research/reference-semantics.md sections 2.12-2.13,
methods.md D.4 and A.1), not copied from openai/CLIP's clip/model.py or clip.py. Everything is a plain
function over a dict of tensors keyed by OpenAI's state-dict names, so the same parameters can be
saved in any layout and run here unchanged. Run this file directly for its self-checks: the hand-written
attention against torch.nn.MultiheadAttention (with and without a causal mask) and the patch
convolution against an unfold + matmul.

Needs only torch (Debian /usr/bin/python3, torch 1.13).
"""
import math

import torch
import torch.nn.functional as F

# CLIP's Normalize constants (clip.py _transform), per RGB channel.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
LAYER_NORM_EPS = 1e-5  # CLIP's LayerNorm subclass uses torch's default


class ClipConfig:
    """Hyper-parameters; OpenAI's build_model derives all but the head counts from tensor shapes."""

    def __init__(self, embed_dim, image_size, patch_size, vision_width, vision_layers, vision_heads,
                 context_length, vocab_size, text_width, text_layers, text_heads):
        self.embed_dim = embed_dim
        self.image_size = image_size
        self.patch_size = patch_size
        self.vision_width = vision_width
        self.vision_layers = vision_layers
        self.vision_heads = vision_heads
        self.context_length = context_length
        self.vocab_size = vocab_size
        self.text_width = text_width
        self.text_layers = text_layers
        self.text_heads = text_heads

    @property
    def grid(self):
        return self.image_size // self.patch_size

    def as_dict(self):
        return dict(self.__dict__)


# ------------------------------------------------------------------------------------------------
# Building blocks
# ------------------------------------------------------------------------------------------------

def layer_norm(x, weight, bias, eps=LAYER_NORM_EPS):
    """LayerNorm over the last axis with the biased variance."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def quick_gelu(x):
    """CLIP's activation: x * sigmoid(1.702 x)."""
    return x * torch.sigmoid(1.702 * x)


def linear(x, weight, bias=None):
    """torch.nn.Linear: weight is [out, in]."""
    y = x @ weight.transpose(0, 1)
    return y if bias is None else y + bias


def multi_head_attention(x, p, prefix, heads, mask=None):
    """nn.MultiheadAttention self-attention written out, batch-first x [N, L, D].

    in_proj_weight stacks the q, k, v projections ([3D, D], q rows first); each head sees a contiguous
    D/heads slice of the channels; scores are scaled by 1/sqrt(head_dim); an additive mask [L, L] (0 or
    -inf) is added to the scores before the softmax over keys; heads are concatenated and go through
    out_proj.
    """
    n, length, width = x.shape
    head_dim = width // heads
    assert head_dim * heads == width, f"width {width} is not divisible by {heads} heads"
    w_in = p[prefix + "in_proj_weight"]
    b_in = p[prefix + "in_proj_bias"]
    q = linear(x, w_in[:width], b_in[:width])
    k = linear(x, w_in[width:2 * width], b_in[width:2 * width])
    v = linear(x, w_in[2 * width:], b_in[2 * width:])

    def split(t):  # [N, L, D] -> [N, heads, L, head_dim]
        return t.reshape(n, length, heads, head_dim).permute(0, 2, 1, 3)

    q, k, v = split(q), split(k), split(v)
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(head_dim)
    if mask is not None:
        scores = scores + mask
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).permute(0, 2, 1, 3).reshape(n, length, width)
    return linear(out, p[prefix + "out_proj.weight"], p[prefix + "out_proj.bias"])


def residual_block(x, p, prefix, heads, mask=None):
    """Pre-LN block: x + attn(ln_1(x)), then x + c_proj(quick_gelu(c_fc(ln_2(x))))."""
    h = layer_norm(x, p[prefix + "ln_1.weight"], p[prefix + "ln_1.bias"])
    x = x + multi_head_attention(h, p, prefix + "attn.", heads, mask)
    h = layer_norm(x, p[prefix + "ln_2.weight"], p[prefix + "ln_2.bias"])
    h = quick_gelu(linear(h, p[prefix + "mlp.c_fc.weight"], p[prefix + "mlp.c_fc.bias"]))
    return x + linear(h, p[prefix + "mlp.c_proj.weight"], p[prefix + "mlp.c_proj.bias"])


def causal_mask(length, dtype=torch.float64):
    """Additive mask: token i attends to tokens 0..i (-inf strictly above the diagonal)."""
    return torch.full((length, length), float("-inf"), dtype=dtype).triu(1)


# ------------------------------------------------------------------------------------------------
# Encoders
# ------------------------------------------------------------------------------------------------

def encode_image(p, cfg, pixels, trace=None):
    """pixels [N, 3, R, R], already normalised -> image features [N, embed_dim] (not L2-normalised).

    If `trace` is a dict, intermediate activations are stored in it (for debugging GPU parity).
    """
    n = pixels.shape[0]
    assert pixels.shape[1:] == (3, cfg.image_size, cfg.image_size), f"pixels {tuple(pixels.shape)}"
    # Patch embedding: a convolution with kernel = stride = patch and no bias, then row-major patches.
    x = F.conv2d(pixels, p["visual.conv1.weight"], stride=cfg.patch_size)  # [N, W, g, g]
    x = x.reshape(n, cfg.vision_width, -1).transpose(1, 2)  # [N, g*g, W]
    cls = p["visual.class_embedding"].reshape(1, 1, -1).expand(n, 1, cfg.vision_width)
    x = torch.cat([cls, x], dim=1) + p["visual.positional_embedding"]
    if trace is not None:
        trace["vision.embeddings"] = x
    x = layer_norm(x, p["visual.ln_pre.weight"], p["visual.ln_pre.bias"])
    if trace is not None:
        trace["vision.ln_pre"] = x
    for i in range(cfg.vision_layers):
        x = residual_block(x, p, f"visual.transformer.resblocks.{i}.", cfg.vision_heads)
        if trace is not None:
            trace[f"vision.block{i}"] = x
    x = layer_norm(x[:, 0, :], p["visual.ln_post.weight"], p["visual.ln_post.bias"])
    return x @ p["visual.proj"]


def encode_text(p, cfg, tokens, trace=None):
    """tokens [N, context_length] int64 -> text features [N, embed_dim] at each sequence's end-of-text
    token, which OpenAI finds as the argmax of the ids (end-of-text has the largest id in the vocabulary)."""
    n, length = tokens.shape
    assert length == cfg.context_length, f"tokens {tuple(tokens.shape)} vs context {cfg.context_length}"
    x = p["token_embedding.weight"][tokens] + p["positional_embedding"]
    if trace is not None:
        trace["text.embeddings"] = x
    mask = causal_mask(length, x.dtype)
    for i in range(cfg.text_layers):
        x = residual_block(x, p, f"transformer.resblocks.{i}.", cfg.text_heads, mask)
        if trace is not None:
            trace[f"text.block{i}"] = x
    x = layer_norm(x, p["ln_final.weight"], p["ln_final.bias"])
    eot = tokens.argmax(dim=-1)
    return x[torch.arange(n), eot] @ p["text_projection"]


def clip_logits(p, image_features, text_features):
    """logits_per_image = exp(logit_scale) * cos(image, text); logits_per_text is its transpose."""
    img = image_features / image_features.norm(dim=-1, keepdim=True)
    txt = text_features / text_features.norm(dim=-1, keepdim=True)
    return p["logit_scale"].exp() * img @ txt.transpose(0, 1)


def preprocess_generated(images, size):
    """NADA's CLIPLoss path for generator output in [-1, 1] [N, 3, H, W]: map to [0, 1], resize to
    size x size with F.interpolate bicubic (align_corners=False, no antialias; for square inputs
    torchvision's Resize + CenterCrop reduce to this), then normalise with CLIP's mean and std."""
    x = (images + 1) / 2
    x = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False, antialias=False)
    mean = torch.tensor(CLIP_MEAN, dtype=x.dtype).reshape(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD, dtype=x.dtype).reshape(1, 3, 1, 1)
    return (x - mean) / std


def cosine_loss(image_features, target):
    """mean over the batch of 1 - cos(image_features[i], target): the shape of NADA's CLIP losses."""
    cos = F.cosine_similarity(image_features, target.reshape(1, -1).expand_as(image_features), dim=-1)
    return (1 - cos).mean()


# ------------------------------------------------------------------------------------------------
# Self-checks against torch's own modules
# ------------------------------------------------------------------------------------------------

def _self_check():
    torch.manual_seed(0)
    width, heads, n, length = 24, 3, 2, 7
    mha = torch.nn.MultiheadAttention(width, heads, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    p = {"attn.in_proj_weight": mha.in_proj_weight, "attn.in_proj_bias": mha.in_proj_bias,
         "attn.out_proj.weight": mha.out_proj.weight, "attn.out_proj.bias": mha.out_proj.bias}
    x = torch.randn(n, length, width, dtype=torch.float64)
    for mask in (None, causal_mask(length)):
        ours = multi_head_attention(x, p, "attn.", heads, mask)
        theirs = mha(x, x, x, need_weights=False, attn_mask=mask)[0]
        err = (ours - theirs).abs().max().item()
        assert err < 1e-12, f"attention differs from nn.MultiheadAttention by {err}"

    patch, w = 4, 5
    pixels = torch.randn(2, 3, 12, 12, dtype=torch.float64)
    weight = torch.randn(w, 3, patch, patch, dtype=torch.float64)
    conv = F.conv2d(pixels, weight, stride=patch).reshape(2, w, -1).transpose(1, 2)
    cols = F.unfold(pixels, patch, stride=patch).transpose(1, 2)  # [N, g*g, 3*p*p], row-major patches
    err = (conv - cols @ weight.reshape(w, -1).t()).abs().max().item()
    assert err < 1e-12, f"patch convolution differs from unfold + matmul by {err}"

    ln = torch.nn.LayerNorm(width).double()
    with torch.no_grad():
        ln.weight.normal_()
        ln.bias.normal_()
    err = (layer_norm(x, ln.weight, ln.bias) - ln(x)).abs().max().item()
    assert err < 1e-12, f"layer_norm differs from nn.LayerNorm by {err}"
    print("clip_ref self-checks passed")


if __name__ == "__main__":
    _self_check()
