"""PyTorch CPU peer for the stylegpu bench.

Reads a JSON list of work items on stdin ({group, kind: matmul|conv2d, ...}) and options, writes one
JSON object to stdout. Same method as the JS harness: first run, a check against the float64
result of the same op at 64 sampled outputs, one warm-up, then repeats of `iters` runs sized to
~150 ms (60 ms with quick); median/min/max/IQR of the per-run wall time (time.perf_counter).
"""
import json
import statistics
import sys
import time


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
        import torch.nn.functional as F
    except ImportError as e:
        json.dump({"error": f"torch is not importable by {sys.executable}: {e}"}, sys.stdout)
        return
    torch.set_num_threads(2)
    quick = req.get("quick", False)
    out = {"version": torch.__version__, "threads": torch.get_num_threads(), "blas": "", "results": []}
    # Which BLAS the process actually loaded (Debian's torch uses the libblas.so.3 alternative).
    torch.matmul(torch.ones(64, 64), torch.ones(64, 64))
    try:
        with open("/proc/self/maps") as maps:
            libs = maps.read()
        out["blas"] = next((name for key, name in (("openblas", "OpenBLAS"), ("libmkl", "MKL"), ("libblas", "reference BLAS")) if key in libs), "")
    except OSError:
        pass
    gen = torch.Generator().manual_seed(0)
    for w in req["work"]:
        if w["kind"] == "matmul":
            a = torch.rand(w["M"], w["K"], generator=gen) * 2 - 1
            b = torch.rand(w["K"], w["N"], generator=gen) * 2 - 1
            fn = lambda: torch.matmul(a, b)
            ref = lambda: (torch.matmul(a.double(), b.double()), torch.matmul(a.double().abs(), b.double().abs()))
            flops = 2 * w["M"] * w["N"] * w["K"]
            nbytes = 4 * (w["M"] * w["K"] + w["K"] * w["N"] + w["M"] * w["N"])
            params = {"op": "matmul", "M": w["M"], "N": w["N"], "K": w["K"]}
        else:
            x = torch.rand(w["N"], w["C"], w["H"], w["W"], generator=gen) * 2 - 1
            k = torch.rand(w["O"], w["C"], w["k"], w["k"], generator=gen) * 2 - 1
            fn = lambda: F.conv2d(x, k, padding=w["pad"])
            ref = lambda: (F.conv2d(x.double(), k.double(), padding=w["pad"]), F.conv2d(x.double().abs(), k.double().abs(), padding=w["pad"]))
            ho = w["H"] + 2 * w["pad"] - w["k"] + 1
            wo = w["W"] + 2 * w["pad"] - w["k"] + 1
            flops = 2 * w["N"] * w["O"] * ho * wo * w["C"] * w["k"] * w["k"]
            nbytes = 4 * (x.numel() + k.numel() + w["N"] * w["O"] * ho * wo)
            params = {"op": "conv2d", **{key: w[key] for key in ("N", "C", "H", "W", "O", "k", "pad")}}
        res = {"suite": "kernels", "group": w["group"], "name": f'{w["group"]} (torch-cpu)', "runtime": "torch-cpu",
               "params": params, "flops": flops, "bytes": nbytes, "check": None}
        with torch.no_grad():
            t0 = time.perf_counter()
            y = fn()
            res["firstMs"] = (time.perf_counter() - t0) * 1e3
            exact, scale = ref()
            flat_y, flat_e, flat_s = y.reshape(-1).double(), exact.reshape(-1), scale.reshape(-1)
            n = flat_y.numel()
            idx = torch.unique(torch.cat([torch.tensor([0, n - 1]), torch.linspace(0, n - 1, 62).long()]))
            err = (flat_y[idx] - flat_e[idx]).abs()
            bound = 1e-5 * flat_s[idx].clamp_min(1e-30)
            worst = int(torch.argmax(err / bound))
            res["check"] = {"ok": bool((err <= bound).all()), "maxAbsErr": float(err[worst]), "tolerance": float(bound[worst]), "samples": int(idx.numel())}
            if not res["check"]["ok"]:
                res["error"] = "check failed"
                out["results"].append(res)
                continue
            t0 = time.perf_counter()
            fn()
            steady = (time.perf_counter() - t0) * 1e3
            iters = max(1, min(200, round((60 if quick else 150) / max(steady, 1e-3))))
            reps = 3 if (quick or steady > 1500) else 7
            wall = []
            for _ in range(reps):
                t0 = time.perf_counter()
                for _ in range(iters):
                    fn()
                wall.append((time.perf_counter() - t0) * 1e3 / iters)
        st = summarize(wall)
        res.update({"iters": iters, "wallMs": st, "gpuMs": None, "gflops": flops / (st["median"] * 1e6), "gbps": nbytes / (st["median"] * 1e6)})
        out["results"].append(res)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
