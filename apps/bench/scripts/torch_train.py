"""PyTorch CPU peer of the models-train suite: StyleGAN2 training throughput (scripts/torch_stylegan2.py).

Reads {"work": [...]} on stdin, writes one JSON object to stdout; progress and parameter counts go to stderr.
A work item: {suite, group, resolution, imgChannels, channels: {res: C}, zDim, wDim, mappingLayers, mbstdGroup,
mbstdChannels, convClamp, batch, gamma, glr, dlr, beta1, beta2, emaKimg, emaRampup, styleMixing, dRegInterval,
iterations, repeats, threads: "default" | "all", gParams, dParams, seed}; iterations 0 builds the networks and
reports their parameter counts only.

Per item: the networks are built and their parameter counts compared with stylegpu's (gParams, dParams, the
StyleGan2Trainer's trainable tensors): a mismatch is reported as the item's error and nothing is timed. Then one
window of `iterations` training iterations (a whole lazy-R1 period when iterations = dRegInterval) runs untimed
(`firstMs`), its losses are checked (finite; R1 ran exactly once per dRegInterval iterations), and `repeats`
further windows are timed with time.perf_counter: the median window time gives images/s = batch × iterations ÷
median. Reals are one fixed batch in [−1, 1] (data loading is not part of the figure on either side).

threads: "default" keeps torch's own intra-op thread count (printed; Debian's build reports 1 on this machine),
"all" sets os.cpu_count() (the item is dropped when that equals the default).
"""
import importlib.util
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def summarize(values):
    s = sorted(values)

    def q(p):
        pos = (len(s) - 1) * p
        lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    return {"n": len(s), "median": q(0.5), "min": s[0], "max": s[-1], "q1": q(0.25), "q3": q(0.75)}


def log(line):
    print(line, file=sys.stderr, flush=True)


def main():
    req = json.load(sys.stdin)
    try:
        import torch
    except ImportError as e:
        json.dump({"error": f"torch is not importable by {sys.executable}: {e}"}, sys.stdout)
        return
    spec = importlib.util.spec_from_file_location("torch_stylegan2", os.path.join(HERE, "torch_stylegan2.py"))
    sg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sg)

    default_threads = torch.get_num_threads()
    log(f"torch {torch.__version__}: torch.get_num_threads() = {default_threads} by default (os.cpu_count() = {os.cpu_count()})")
    out = {"version": torch.__version__, "defaultThreads": default_threads, "results": []}
    for w in req["work"]:
        threads = default_threads if w.get("threads", "default") == "default" else os.cpu_count()
        if w.get("threads") == "all" and threads == default_threads:
            continue
        torch.set_num_threads(threads)
        plural = "" if threads == 1 else "s"
        label = f"torch-cpu, default {threads} thread{plural}" if threads == default_threads else f"torch-cpu, {threads} thread{plural}"
        iterations, repeats, batch, interval = w["iterations"], w["repeats"], w["batch"], w["dRegInterval"]
        params = {k: v for k, v in w.items() if k not in ("suite", "group", "channels", "flops", "bytes")}
        params["threads"] = threads
        res = {"suite": w["suite"], "group": w["group"], "name": f'{w["group"]} ({label})', "runtime": "torch-cpu",
               "params": params, "flops": 0, "bytes": 0, "check": None}
        try:
            trainer = sg.Trainer(w, seed=w.get("seed", 0))
            counts = {"gParams": sg.parameter_count(trainer.G), "dParams": sg.parameter_count(trainer.D)}
            log(f'{res["name"]}: G {counts["gParams"]} parameters (stylegpu {w.get("gParams")}), D {counts["dParams"]} (stylegpu {w.get("dParams")})')
            res["metrics"] = {**counts, "threads": threads}
            wrong = [f"{k[0].upper()} has {counts[k]} in torch, {w[k]} in stylegpu" for k in counts if k in w and counts[k] != w[k]]
            if wrong:
                res["error"] = f"parameter count mismatch: {'; '.join(wrong)} (the two networks differ; nothing timed)"
                out["results"].append(res)
                log(f'{res["name"]}: {res["error"]}')
                continue
            if iterations == 0:  # parameter counts only
                out["results"].append(res)
                continue
            gen = torch.Generator().manual_seed(3)
            reals = torch.rand(batch, w["imgChannels"], w["resolution"], w["resolution"], generator=gen) * 2 - 1

            def window():
                return [trainer.iteration(reals) for _ in range(iterations)]

            t0 = time.perf_counter()
            steps = window()
            res["firstMs"] = (time.perf_counter() - t0) * 1e3
            values = [v for s in steps for v in s.values()]
            r1_steps = sum(1 for s in steps if "r1" in s)
            want_r1 = sum(1 for i in range(iterations) if w["gamma"] > 0 and i % interval == 0)
            ok = all(math.isfinite(v) for v in values) and r1_steps == want_r1
            res["check"] = {"ok": ok, "maxAbsErr": 0.0 if ok else float("inf"), "tolerance": 0.0, "samples": len(values)}
            last = steps[-1]
            res["metrics"].update({"lossG": last["lossG"], "lossD": last["lossDfake"] + last["lossDreal"],
                                   **({"r1": next(s["r1"] for s in steps if "r1" in s)} if r1_steps else {})})
            if not ok:
                res["error"] = f"check failed: losses {values} (R1 ran {r1_steps} times, expected {want_r1})"
            elif repeats > 0:
                wall = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    window()
                    wall.append((time.perf_counter() - t0) * 1e3)
                st = summarize(wall)
                res.update({"iters": 1, "wallMs": st, "gpuMs": None})
                res["metrics"]["imagesPerSec"] = batch * iterations / (st["median"] / 1e3)
                res["metrics"]["secondsPerIteration"] = st["median"] / 1e3 / iterations
        except Exception as e:  # reported; the other items still run
            res["error"] = f"{type(e).__name__}: {e}"
        out["results"].append(res)
        wall = res.get("wallMs")
        log(f'{res["name"]}: ' + (f'{wall["median"]:.0f} ms per {iterations}-iteration window, {res["metrics"]["imagesPerSec"]:.2f} images/s'
                                  if wall else res.get("error", "not timed (repeats 0)")))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
