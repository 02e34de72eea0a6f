"""NVIDIA `G_ema`/`D` state_dict names ↔ rosinality stylegan2-pytorch names (methods.md §D.1, §D.2).

Used by the fixture writer (to save the same random weights in both layouts) and by the export check (to turn a
rosinality file back into NVIDIA names and render it with the reference). The TypeScript loader implements the same
mapping independently in packages/stylegan/src/checkpoint/.

Generator: style.{i+1} = mapping.fc{i}; input.input = b4.const[None]; conv1 = b4.conv1; to_rgb1 = b4.torgb;
convs.{2k}, convs.{2k+1} = b{2^(k+3)}.conv0, .conv1; to_rgbs.{k} = b{2^(k+3)}.torgb; noises.noise_0 = b4.conv1,
noises.noise_{i+1} = convs.{i}. Conv weights gain a leading 1, noise strengths are [1] instead of [], noise maps
[1,1,r,r] instead of [r,r], ToRGB biases [1,3,1,1]; rosinality's FIR buffers are NVIDIA's resample_filter × 4
(Blur/Upsample with factor 2). Affine/modulation biases are stored with their +1 init in both, so copy unchanged.
Discriminator (resnet): convs.0 = b{R}.fromrgb; convs.{j} = ResBlock of b{R/2^(j-1)}: conv1 = conv0, conv2 = conv1
(down), skip = skip; final_conv = b4.conv; final_linear.0 = b4.fc, final_linear.1 = b4.out. D's Blur kernels are
not scaled (downsampling).
"""

import math

import torch


def _res_list(resolution):
    return [2 ** i for i in range(3, int(math.log2(resolution)) + 1)]


def g_to_rosinality(sd, resolution):
    """NVIDIA generator state_dict → rosinality `g_ema` state_dict (OrderedDict, rosinality's module order)."""
    out = {}
    i = 0
    while f"mapping.fc{i}.weight" in sd:
        out[f"style.{i + 1}.weight"] = sd[f"mapping.fc{i}.weight"]
        out[f"style.{i + 1}.bias"] = sd[f"mapping.fc{i}.bias"]
        i += 1
    out["input.input"] = sd["synthesis.b4.const"][None]

    def styled(dst, src, blur):
        out[f"{dst}.conv.weight"] = sd[f"{src}.weight"][None]
        if blur:
            out[f"{dst}.conv.blur.kernel"] = sd[f"{src}.resample_filter"] * 4
        out[f"{dst}.conv.modulation.weight"] = sd[f"{src}.affine.weight"]
        out[f"{dst}.conv.modulation.bias"] = sd[f"{src}.affine.bias"]
        out[f"{dst}.noise.weight"] = sd[f"{src}.noise_strength"].reshape(1)
        out[f"{dst}.activate.bias"] = sd[f"{src}.bias"]

    def to_rgb(dst, src, upsample_filter):
        out[f"{dst}.bias"] = sd[f"{src}.bias"].reshape(1, -1, 1, 1)
        if upsample_filter is not None:
            out[f"{dst}.upsample.kernel"] = upsample_filter * 4
        out[f"{dst}.conv.weight"] = sd[f"{src}.weight"][None]
        out[f"{dst}.conv.modulation.weight"] = sd[f"{src}.affine.weight"]
        out[f"{dst}.conv.modulation.bias"] = sd[f"{src}.affine.bias"]

    styled("conv1", "synthesis.b4.conv1", False)
    to_rgb("to_rgb1", "synthesis.b4.torgb", None)
    for k, res in enumerate(_res_list(resolution)):
        styled(f"convs.{2 * k}", f"synthesis.b{res}.conv0", True)
        styled(f"convs.{2 * k + 1}", f"synthesis.b{res}.conv1", False)
    for k, res in enumerate(_res_list(resolution)):
        to_rgb(f"to_rgbs.{k}", f"synthesis.b{res}.torgb", sd[f"synthesis.b{res}.resample_filter"])
    layers = ["synthesis.b4.conv1"] + [f"synthesis.b{r}.conv{j}" for r in _res_list(resolution) for j in (0, 1)]
    for n, src in enumerate(layers):
        out[f"noises.noise_{n}"] = sd[f"{src}.noise_const"][None, None]
    return {k: v.detach().clone().contiguous() for k, v in out.items()}


def g_from_rosinality(rs, resolution):
    """rosinality `g_ema` → NVIDIA names (the filters of non-upsampling layers are the default [1,3,3,1] ones)."""
    from stylegan2_ref import setup_filter

    out = {}
    i = 1
    while f"style.{i}.weight" in rs:
        out[f"mapping.fc{i - 1}.weight"] = rs[f"style.{i}.weight"]
        out[f"mapping.fc{i - 1}.bias"] = rs[f"style.{i}.bias"]
        i += 1

    def styled(src, dst, noise, blur):
        out[f"{dst}.weight"] = rs[f"{src}.conv.weight"][0]
        out[f"{dst}.noise_strength"] = rs[f"{src}.noise.weight"].reshape([])
        out[f"{dst}.bias"] = rs[f"{src}.activate.bias"]
        out[f"{dst}.resample_filter"] = rs[f"{src}.conv.blur.kernel"] / 4 if blur else setup_filter()
        out[f"{dst}.noise_const"] = rs[f"noises.noise_{noise}"][0, 0]
        out[f"{dst}.affine.weight"] = rs[f"{src}.conv.modulation.weight"]
        out[f"{dst}.affine.bias"] = rs[f"{src}.conv.modulation.bias"]

    def to_rgb(src, dst):
        out[f"{dst}.weight"] = rs[f"{src}.conv.weight"][0]
        out[f"{dst}.bias"] = rs[f"{src}.bias"].reshape(-1)
        out[f"{dst}.affine.weight"] = rs[f"{src}.conv.modulation.weight"]
        out[f"{dst}.affine.bias"] = rs[f"{src}.conv.modulation.bias"]

    out["synthesis.b4.const"] = rs["input.input"][0]
    out["synthesis.b4.resample_filter"] = setup_filter()
    styled("conv1", "synthesis.b4.conv1", 0, False)
    to_rgb("to_rgb1", "synthesis.b4.torgb")
    for k, res in enumerate(_res_list(resolution)):
        out[f"synthesis.b{res}.resample_filter"] = rs[f"to_rgbs.{k}.upsample.kernel"] / 4
        styled(f"convs.{2 * k}", f"synthesis.b{res}.conv0", 2 * k + 1, True)
        styled(f"convs.{2 * k + 1}", f"synthesis.b{res}.conv1", 2 * k + 2, False)
        to_rgb(f"to_rgbs.{k}", f"synthesis.b{res}.torgb")
    return {k: v.detach().clone().contiguous() for k, v in out.items()}


def d_to_rosinality(sd, resolution):
    out = {}
    out["convs.0.0.weight"] = sd[f"b{resolution}.fromrgb.weight"]
    out["convs.0.1.bias"] = sd[f"b{resolution}.fromrgb.bias"]
    res = resolution
    j = 1
    while res > 4:
        p = f"b{res}"
        out[f"convs.{j}.conv1.0.weight"] = sd[f"{p}.conv0.weight"]
        out[f"convs.{j}.conv1.1.bias"] = sd[f"{p}.conv0.bias"]
        out[f"convs.{j}.conv2.0.kernel"] = sd[f"{p}.conv1.resample_filter"]
        out[f"convs.{j}.conv2.1.weight"] = sd[f"{p}.conv1.weight"]
        out[f"convs.{j}.conv2.2.bias"] = sd[f"{p}.conv1.bias"]
        out[f"convs.{j}.skip.0.kernel"] = sd[f"{p}.skip.resample_filter"]
        out[f"convs.{j}.skip.1.weight"] = sd[f"{p}.skip.weight"]
        res //= 2
        j += 1
    out["final_conv.0.weight"] = sd["b4.conv.weight"]
    out["final_conv.1.bias"] = sd["b4.conv.bias"]
    out["final_linear.0.weight"] = sd["b4.fc.weight"]
    out["final_linear.0.bias"] = sd["b4.fc.bias"]
    out["final_linear.1.weight"] = sd["b4.out.weight"]
    out["final_linear.1.bias"] = sd["b4.out.bias"]
    return {k: v.detach().clone().contiguous() for k, v in out.items()}


def rosinality_skeleton(state_dict_shapes):
    """An nn.Module whose parameters/buffers carry exactly the given names and shapes, so `load_state_dict(strict=True)`
    checks a file the way rosinality's `Generator.load_state_dict` does (names and shapes; its CUDA ops are not
    needed for that). Buffers are the names rosinality registers with register_buffer."""
    root = torch.nn.Module()
    for name, shape in state_dict_shapes.items():
        *path, leaf = name.split(".")
        mod = root
        for part in path:
            if not hasattr(mod, part):
                mod.add_module(part, torch.nn.Module())
            mod = getattr(mod, part)
        if leaf == "kernel" or name.startswith("noises."):
            mod.register_buffer(leaf, torch.zeros(shape))
        else:
            mod.register_parameter(leaf, torch.nn.Parameter(torch.zeros(shape)))
    return root
