"""PyTorch CPU anchors for the stylegpu model suites (StyleGAN2 generator, CLIP ViT-B/32, one NADA step).

Reads {"work": [...], "quick": bool} on stdin, writes one JSON object to stdout. The models are the
project's independent references, imported by path (not copied): packages/stylegan/reference/stylegan2_ref.py
(NVIDIA semantics, float32 here) and packages/clip/reference/clip_ref.py, on random weights of the real
shapes, float32, torch.set_num_threads(2) (OpenBLAS threads, platform.md). Same method as the JS harness:
first run, a check (outputs finite and non-zero), then timed repeats (1 for runs over 7.5 s, 2 over 1.5 s,
else 3), median of the per-run wall time (time.perf_counter).

Work items: {group, kind: "stylegan", resolution, channels, batch, pass: "forward"|"forward+backward"},
{group, kind: "clip", batch, pass}, {group, kind: "nada", resolution, channels, batch, autoLayerK,
autoLayerIters, autoLayerBatch}.
"""
import copy
import importlib.util
import json
import math
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = os.path.join(HERE, "..", "..", "..", "packages")


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def summarize(values):
    s = sorted(values)

    def q(p):
        pos = (len(s) - 1) * p
        lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    return {"n": len(s), "median": q(0.5), "min": s[0], "max": s[-1], "q1": q(0.25), "q3": q(0.75)}


def main():
    req = json.load(sys.stdin)
    try:
        import torch
    except ImportError as e:
        json.dump({"error": f"torch is not importable by {sys.executable}: {e}"}, sys.stdout)
        return
    torch.set_num_threads(2)
    torch.manual_seed(0)
    sg = load_module("stylegan2_ref", os.path.join(PACKAGES, "stylegan", "reference", "stylegan2_ref.py"))
    cr = load_module("clip_ref", os.path.join(PACKAGES, "clip", "reference", "clip_ref.py"))
    out = {"version": torch.__version__, "threads": torch.get_num_threads(), "results": []}

    generators = {}

    def generator(w):
        key = (w["resolution"], json.dumps(w["channels"], sort_keys=True))
        if key not in generators:
            torch.manual_seed(1)
            channels = {int(k): v for k, v in w["channels"].items()}
            g = sg.Generator(512, 0, 512, w["resolution"], 3, mapping_kwargs={"num_layers": 8},
                             synthesis_kwargs={"channels": channels}).float().eval()
            for p in g.parameters():
                p.requires_grad_(False)
            generators[key] = g
        return generators[key]

    clip_cache = {}

    def clip_vit_b32():
        if "p" not in clip_cache:
            cfg = cr.ClipConfig(embed_dim=512, image_size=224, patch_size=32, vision_width=768, vision_layers=12,
                                vision_heads=12, context_length=77, vocab_size=49408, text_width=512,
                                text_layers=12, text_heads=8)
            gen = torch.Generator().manual_seed(2)
            w, d = cfg.vision_width, cfg.vision_width
            p = {"visual.conv1.weight": torch.randn(w, 3, 32, 32, generator=gen) * (3 * 32 * 32) ** -0.5,
                 "visual.class_embedding": torch.randn(w, generator=gen) * w ** -0.5,
                 "visual.positional_embedding": torch.randn(cfg.grid ** 2 + 1, w, generator=gen) * w ** -0.5,
                 "visual.ln_pre.weight": torch.ones(w), "visual.ln_pre.bias": torch.zeros(w),
                 "visual.ln_post.weight": torch.ones(w), "visual.ln_post.bias": torch.zeros(w),
                 "visual.proj": torch.randn(w, cfg.embed_dim, generator=gen) * w ** -0.5}
            for i in range(cfg.vision_layers):
                b = f"visual.transformer.resblocks.{i}."
                p.update({b + "attn.in_proj_weight": torch.randn(3 * d, d, generator=gen) * d ** -0.5,
                          b + "attn.in_proj_bias": torch.zeros(3 * d),
                          b + "attn.out_proj.weight": torch.randn(d, d, generator=gen) * d ** -0.5,
                          b + "attn.out_proj.bias": torch.zeros(d),
                          b + "ln_1.weight": torch.ones(d), b + "ln_1.bias": torch.zeros(d),
                          b + "ln_2.weight": torch.ones(d), b + "ln_2.bias": torch.zeros(d),
                          b + "mlp.c_fc.weight": torch.randn(4 * d, d, generator=gen) * d ** -0.5,
                          b + "mlp.c_fc.bias": torch.zeros(4 * d),
                          b + "mlp.c_proj.weight": torch.randn(d, 4 * d, generator=gen) * (4 * d) ** -0.5,
                          b + "mlp.c_proj.bias": torch.zeros(d)})
            clip_cache["p"], clip_cache["cfg"] = p, cfg
        return clip_cache["p"], clip_cache["cfg"]

    def stylegan_work(w):
        g = generator(w)
        n = w["batch"]
        z = torch.randn(n, 512, generator=torch.Generator().manual_seed(7))
        if w["pass"] == "forward":
            def fn():
                with torch.no_grad():
                    return g(z, noise_mode="const")
            return fn
        with torch.no_grad():
            ws0 = g.mapping(z)
        gout = torch.randn(n, 3, w["resolution"], w["resolution"], generator=torch.Generator().manual_seed(8))

        def fn():
            ws = ws0.clone().requires_grad_(True)
            (g.synthesis(ws, noise_mode="const") * gout).sum().backward()
            return ws.grad
        return fn

    def clip_work(w):
        p, cfg = clip_vit_b32()
        n = w["batch"]
        px = torch.randn(n, 3, 224, 224, generator=torch.Generator().manual_seed(9))
        if w["pass"] == "forward":
            def fn():
                with torch.no_grad():
                    return cr.encode_image(p, cfg, px)
            return fn
        gout = torch.randn(n, cfg.embed_dim, generator=torch.Generator().manual_seed(10))

        def fn():
            x = px.clone().requires_grad_(True)
            (cr.encode_image(p, cfg, x) * gout).sum().backward()
            return x.grad
        return fn

    def nada_work(w):
        """One NADA step as @stylegpu/adapt's NadaTrainer does it (text direction given as a fixed random
        unit vector: encoding the prompts happens once, outside the step)."""
        frozen = generator(w)
        train = copy.deepcopy(frozen)
        p, cfg = clip_vit_b32()
        gen = torch.Generator().manual_seed(11)
        direction = torch.nn.functional.normalize(torch.randn(1, cfg.embed_dim, generator=gen), dim=-1)
        target_text = torch.nn.functional.normalize(torch.randn(1, cfg.embed_dim, generator=gen), dim=-1)
        # Default phase: every synthesis conv/ToRGB weight, bias, affine, noise strength trains (not buffers).
        names = [k for k, _ in train.named_parameters() if k.startswith("synthesis.")]
        params = dict(train.named_parameters())
        r = 4 / 5
        opt = torch.optim.Adam([params[k] for k in names], lr=0.002 * r, betas=(0.0, 0.99 ** r))
        layers = [(res, name) for res in train.synthesis.block_resolutions
                  for name in (["conv1"] if res == 4 else ["conv0", "conv1"])]

        def encode(img):
            return cr.encode_image(p, cfg, cr.preprocess_generated(img, 224))

        def step():
            n = w["batch"]
            k = w.get("autoLayerK", 0)
            if k and w.get("autoLayerIters", 0):
                for q in params.values():
                    q.requires_grad_(False)
                with torch.no_grad():
                    before = frozen.mapping(torch.randn(w["autoLayerBatch"], 512))
                wplus = before.clone().requires_grad_(True)
                sgd = torch.optim.SGD([wplus], lr=0.01)
                for _ in range(w["autoLayerIters"]):
                    cr.cosine_loss(encode(train.synthesis(wplus)), target_text).backward()
                    sgd.step()
                    sgd.zero_grad()
                moved = (wplus.detach() - before).abs().mean(dim=(0, 2))
                chosen = set(torch.topk(moved[:len(layers)], k).indices.tolist())
                keep = tuple(f"synthesis.b{layers[i][0]}.{layers[i][1]}." for i in chosen)
                for name in names:
                    params[name].requires_grad_(name.startswith(keep))
            else:
                for name in names:
                    params[name].requires_grad_(True)
            with torch.no_grad():
                ws = frozen.mapping(torch.randn(n, 512))
                src_emb = encode(frozen.synthesis(ws))
            tgt_emb = encode(train.synthesis(ws))
            edit = torch.nn.functional.normalize(tgt_emb, dim=-1) - torch.nn.functional.normalize(src_emb, dim=-1)
            loss = (1 - torch.nn.functional.cosine_similarity(edit + 1e-9, direction.expand_as(edit), dim=-1)).mean()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss.detach().reshape(1)
        return step

    for w in req["work"]:
        res = {"suite": w["suite"], "group": w["group"], "name": f'{w["group"]} (torch-cpu)', "runtime": "torch-cpu",
               "params": {k: v for k, v in w.items() if k not in ("group", "suite", "channels", "flops", "bytes")},
               "flops": w.get("flops", 0), "bytes": w.get("bytes", 0), "check": None}
        try:
            fn = {"stylegan": stylegan_work, "clip": clip_work, "nada": nada_work}[w["kind"]]( w)
            t0 = time.perf_counter()
            y = fn()
            res["firstMs"] = (time.perf_counter() - t0) * 1e3
            finite = bool(torch.isfinite(y).all()) and bool((y != 0).any())
            res["check"] = {"ok": finite, "maxAbsErr": 0.0 if finite else float("inf"), "tolerance": 0.0, "samples": int(y.numel())}
            if not finite:
                res["error"] = "check failed: output not finite or all zero"
                out["results"].append(res)
                continue
            steady = res["firstMs"]
            reps = 1 if steady > 7500 else 2 if steady > 1500 else 3
            wall = []
            for _ in range(reps):
                t0 = time.perf_counter()
                fn()
                wall.append((time.perf_counter() - t0) * 1e3)
            st = summarize(wall)
            res.update({"iters": 1, "wallMs": st, "gpuMs": None})
            if res["flops"]:
                res["gflops"] = res["flops"] / (st["median"] * 1e6)
            if res["bytes"]:
                res["gbps"] = res["bytes"] / (st["median"] * 1e6)
            batch = w.get("batch", 1)
            res["metrics"] = {"imagesPerSec": batch / (st["median"] / 1e3)} if w["kind"] != "nada" else {"secondsPerStep": st["median"] / 1e3}
        except Exception as e:  # reported, the other items still run
            res["error"] = f"{type(e).__name__}: {e}"
        out["results"].append(res)
        print(f'{res["name"]}: {res.get("wallMs", {}).get("median", "-")} ms {res.get("error", "")}', file=sys.stderr, flush=True)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
