"""Independent float32/float64 PyTorch reference of StyleGAN2 as NVIDIA's stylegan2-ada-pytorch computes it.

Written from the documented semantics of NVIDIA's ops (NVlabs/stylegan2-ada-pytorch
`training/networks.py`, `torch_utils/ops/{upfirdn2d,conv2d_resample,bias_act}.py`), not copied from it. Only plain
torch ops are used (no CUDA extensions), so it runs on a CPU with Debian's `/usr/bin/python3` and torch 1.13.

The module tree mirrors NVIDIA's so that `state_dict()` gives exactly the names of an official `G_ema`/`D`:
  Generator: synthesis.b{res}.{const, resample_filter, conv0, conv1, torgb}, mapping.fc{i}, mapping.w_avg
  Discriminator (resnet): b{res}.{resample_filter, fromrgb, conv0, conv1, skip}, b4.{conv, fc, out}
including the same parameter/buffer registration order. `make_fixtures.py` wraps these classes in a stand-in of
`torch_utils.persistence` to write network pickles shaped like the official ones.

What is reproduced (and where the official code does it):
- mapping: normalize_2nd_moment(z) (eps 1e-8), FC layers with lr multiplier 0.01 (weight·lr/√in, bias·lr), lrelu
  with gain √2; broadcast to num_ws; truncation w_avg.lerp(w, psi) on all or the first `truncation_cutoff` ws.
- synthesis: const input; modulated_conv2d with styles = affine(w) (bias init 1), demodulation
  rsqrt(Σw² + 1e-8); up-2 layers as conv2d_resample does it: transposed conv stride 2 (no padding, weight not
  flipped) then the [1,3,3,1] FIR with padding 1 and gain 4; noise const/random/none × noise_strength added after
  demodulation; bias_act lrelu gain √2 and clamp conv_clamp; ToRGB without demodulation, styles × 1/√C, linear
  bias_act with clamp; skip architecture with upfirdn2d.upsample2d (pad (2,1), gain 4) of the running image.
  The fused form (per-sample weights, groups = N) is used, as NVIDIA's inference path does in float32.
- discriminator: FromRGB 1x1 lrelu, residual blocks (skip: FIR downsample then 1x1 conv, gain √0.5; conv0 3x3;
  conv1 FIR blur pad 2 then 3x3 stride 2, gain √0.5), minibatch std (group min(4, N), 1 channel, eps 1e-8 inside
  the sqrt), epilogue conv 3x3, fc lrelu, out.
Precision follows the module dtype: `.double()` gives a float64 reference.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


# ---------------------------------------------------------------------------------------------------------------
# Low-level ops
# ---------------------------------------------------------------------------------------------------------------

def setup_filter(taps=(1, 3, 3, 1)):
    """4 taps → 4x4 outer product normalised to sum 1 (taps of 8+ would be separable; StyleGAN never uses them)."""
    f = torch.as_tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def upfirdn2d(x, f, up=1, down=1, pad=(0, 0, 0, 0), gain=1.0):
    """Zero-stuff by `up`, pad (x0, x1, y0, y1) on the upsampled grid (negative crops), convolve with f
    (true convolution: f is flipped before the correlation), keep every `down`-th pixel. Per channel."""
    n, c, h, w = x.shape
    if up > 1:
        z = x.new_zeros([n, c, h, up, w, up])
        z[:, :, :, 0, :, 0] = x
        x = z.reshape(n, c, h * up, w * up)
    px0, px1, py0, py1 = pad
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0): x.shape[2] - max(-py1, 0), max(-px0, 0): x.shape[3] - max(-px1, 0)]
    k = (f * gain).to(x.dtype).flip([0, 1])[None, None].repeat([c, 1, 1, 1])
    x = F.conv2d(x, k, groups=c)
    return x[:, :, ::down, ::down]


def upsample2d(x, f, up=2):
    fw = f.shape[-1]
    p0, p1 = (fw + up - 1) // 2, (fw - up) // 2
    return upfirdn2d(x, f, up=up, pad=(p0, p1, p0, p1), gain=up * up)


def downsample2d(x, f, down=2):
    fw = f.shape[-1]
    p0, p1 = (fw - down + 1) // 2, (fw - down) // 2
    return upfirdn2d(x, f, down=down, pad=(p0, p1, p0, p1))


def conv2d_resample(x, w, f, up=1, down=1, groups=1):
    """The three paths StyleGAN2 takes through conv2d_resample (weights applied as correlation, padding k//2)."""
    kh = w.shape[-1]
    if up == 1 and down == 1:
        return F.conv2d(x, w, padding=kh // 2, groups=groups)
    fw = f.shape[-1]
    if up == 2 and down == 1:
        # transposed conv wants [in, out/groups, k, k]; with groups the per-group blocks are swapped.
        o, i = w.shape[0], w.shape[1]
        wt = w.reshape(groups, o // groups, i, kh, kh).transpose(1, 2).reshape(groups * i, o // groups, kh, kh)
        p0 = kh // 2 + (fw + up - 1) // 2 - (kh - 1)
        p1 = kh // 2 + (fw - up) // 2 - (kh - up)
        if kh == 1:  # 1x1: conv first, then the FIR upsample (not used by the generator's skip architecture)
            return upsample2d(F.conv2d(x, w, groups=groups), f, up)
        x = F.conv_transpose2d(x, wt, stride=up, groups=groups)
        return upfirdn2d(x, f, pad=(p0, p1, p0, p1), gain=up * up)
    if down == 2 and up == 1:
        if kh == 1:
            return F.conv2d(downsample2d(x, f, down), w, groups=groups)
        p0 = kh // 2 + (fw - down + 1) // 2
        p1 = kh // 2 + (fw - down) // 2
        x = upfirdn2d(x, f, pad=(p0, p1, p0, p1))
        return F.conv2d(x, w, stride=down, groups=groups)
    raise ValueError(f"conv2d_resample: up={up} down={down} not needed by StyleGAN2")


def bias_act(x, b=None, act="linear", gain=None, clamp=None):
    """x + b (along dim 1) → activation → × gain → clamp to ±clamp."""
    if b is not None:
        x = x + b.reshape([1, -1] + [1] * (x.ndim - 2))
    if act == "lrelu":
        x = F.leaky_relu(x, 0.2)
        gain = SQRT2 if gain is None else gain
    else:
        gain = 1.0 if gain is None else gain
    if gain != 1:
        x = x * gain
    if clamp is not None and clamp >= 0:
        x = x.clamp(-clamp, clamp)
    return x


def modulated_conv2d(x, weight, styles, noise=None, up=1, resample_filter=None, demodulate=True):
    n, i, h, w = x.shape
    o, _, kh, kw = weight.shape
    wm = weight[None] * styles[:, None, :, None, None]  # [N, O, I, k, k]
    if demodulate:
        wm = wm * (wm.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()[:, :, None, None, None]
    y = conv2d_resample(x.reshape(1, n * i, h, w), wm.reshape(n * o, i, kh, kw), resample_filter, up=up, groups=n)
    y = y.reshape(n, o, y.shape[2], y.shape[3])
    if noise is not None:
        y = y + noise
    return y


def normalize_2nd_moment(x, eps=1e-8):
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


# ---------------------------------------------------------------------------------------------------------------
# Layers (parameter names, shapes, init and registration order as in networks.py)
# ---------------------------------------------------------------------------------------------------------------

class FullyConnectedLayer(torch.nn.Module):
    def __init__(self, in_features, out_features, bias=True, activation="linear", lr_multiplier=1.0, bias_init=0.0):
        super().__init__()
        self.activation = activation
        self.weight = torch.nn.Parameter(torch.randn([out_features, in_features]) / lr_multiplier)
        self.bias = torch.nn.Parameter(torch.full([out_features], float(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x):
        y = x.matmul((self.weight * self.weight_gain).t())
        b = self.bias * self.bias_gain if self.bias is not None else None
        return bias_act(y, b, act=self.activation)


class Conv2dLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, bias=True, activation="linear", down=1, conv_clamp=None):
        super().__init__()
        self.activation = activation
        self.down = down
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", setup_filter())
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels])) if bias else None

    def forward(self, x, gain=1.0):
        x = conv2d_resample(x, self.weight * self.weight_gain, self.resample_filter, down=self.down)
        act_gain = (SQRT2 if self.activation == "lrelu" else 1.0) * gain
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, act=self.activation, gain=act_gain, clamp=clamp)


class MappingNetwork(torch.nn.Module):
    def __init__(self, z_dim, c_dim, w_dim, num_ws, num_layers=8, lr_multiplier=0.01, w_avg_beta=0.995):
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_ws, self.num_layers = z_dim, c_dim, w_dim, num_ws, num_layers
        embed = w_dim if c_dim > 0 else 0
        features = [z_dim + embed] + [w_dim] * num_layers
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed)
        for idx in range(num_layers):
            setattr(self, f"fc{idx}", FullyConnectedLayer(features[idx], features[idx + 1], activation="lrelu",
                                                           lr_multiplier=lr_multiplier))
        self.register_buffer("w_avg", torch.zeros([w_dim]))

    def forward(self, z, c=None, truncation_psi=1.0, truncation_cutoff=None):
        x = normalize_2nd_moment(z)
        if self.c_dim > 0:
            x = torch.cat([x, normalize_2nd_moment(self.embed(c))], dim=1)
        for idx in range(self.num_layers):
            x = getattr(self, f"fc{idx}")(x)
        x = x[:, None, :].repeat([1, self.num_ws, 1])
        if truncation_psi != 1:
            avg = self.w_avg.to(x.dtype)
            cut = self.num_ws if truncation_cutoff is None else truncation_cutoff
            head = avg + truncation_psi * (x[:, :cut] - avg)
            x = torch.cat([head, x[:, cut:]], dim=1)
        return x


class SynthesisLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution, up=1, conv_clamp=None):
        super().__init__()
        self.resolution, self.up, self.conv_clamp = resolution, up, conv_clamp
        self.register_buffer("resample_filter", setup_filter())
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, 3, 3]))
        self.register_buffer("noise_const", torch.randn([resolution, resolution]))
        self.noise_strength = torch.nn.Parameter(torch.zeros([]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels]))

    def forward(self, x, w, noise_mode="const", gain=1.0):
        styles = self.affine(w)
        noise = None
        if noise_mode == "random":
            noise = torch.randn([x.shape[0], 1, self.resolution, self.resolution], dtype=x.dtype) * self.noise_strength
        elif noise_mode == "const":
            noise = self.noise_const * self.noise_strength
        x = modulated_conv2d(x, self.weight, styles, noise, up=self.up, resample_filter=self.resample_filter)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, act="lrelu", gain=SQRT2 * gain, clamp=clamp)


class ToRGBLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, conv_clamp=None):
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, 1, 1]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = 1 / math.sqrt(in_channels)

    def forward(self, x, w):
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False)
        return bias_act(x, self.bias, clamp=self.conv_clamp)


class SynthesisBlock(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution, img_channels, conv_clamp=None):
        super().__init__()
        self.in_channels, self.resolution = in_channels, resolution
        self.register_buffer("resample_filter", setup_filter())
        if in_channels == 0:
            self.const = torch.nn.Parameter(torch.randn([out_channels, resolution, resolution]))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim, resolution, up=2, conv_clamp=conv_clamp)
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, resolution, conv_clamp=conv_clamp)
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp=conv_clamp)
        self.num_conv = 1 if in_channels == 0 else 2
        self.num_torgb = 1

    def forward(self, x, img, ws, noise_mode="const"):
        ws = list(ws.unbind(dim=1))
        if self.in_channels == 0:
            x = self.const.to(ws[0].dtype)[None].repeat([ws[0].shape[0], 1, 1, 1])
            x = self.conv1(x, ws.pop(0), noise_mode)
        else:
            x = self.conv0(x, ws.pop(0), noise_mode)
            x = self.conv1(x, ws.pop(0), noise_mode)
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        y = self.torgb(x, ws.pop(0))
        return x, (y if img is None else img + y)

    def styles(self, ws):
        """StyleSpace: the affine outputs this block's layers use (ToRGB's already × 1/√C)."""
        ws = list(ws.unbind(dim=1))
        out = {}
        for name in (["conv1"] if self.in_channels == 0 else ["conv0", "conv1"]):
            out[name] = getattr(self, name).affine(ws.pop(0))
        out["torgb"] = self.torgb.affine(ws.pop(0)) * self.torgb.weight_gain
        return out


def channels_for(resolutions, channel_base, channel_max):
    return {res: min(channel_base // res, channel_max) for res in resolutions}


class SynthesisNetwork(torch.nn.Module):
    def __init__(self, w_dim, img_resolution, img_channels, channel_base=32768, channel_max=512, conv_clamp=None,
                 channels=None):
        super().__init__()
        self.block_resolutions = [2 ** i for i in range(2, int(math.log2(img_resolution)) + 1)]
        ch = channels or channels_for(self.block_resolutions, channel_base, channel_max)
        self.num_ws = 0
        for res in self.block_resolutions:
            block = SynthesisBlock(ch[res // 2] if res > 4 else 0, ch[res], w_dim, res, img_channels, conv_clamp)
            self.num_ws += block.num_conv
            setattr(self, f"b{res}", block)
        self.num_ws += 1  # the last ToRGB

    def block_ws(self, ws):
        out, idx = [], 0
        for res in self.block_resolutions:
            block = getattr(self, f"b{res}")
            out.append(ws.narrow(1, idx, block.num_conv + block.num_torgb))
            idx += block.num_conv
        return out

    def forward(self, ws, noise_mode="const"):
        x = img = None
        for res, cur in zip(self.block_resolutions, self.block_ws(ws)):
            x, img = getattr(self, f"b{res}")(x, img, cur, noise_mode)
        return img

    def styles(self, ws):
        out = {}
        for res, cur in zip(self.block_resolutions, self.block_ws(ws)):
            for name, s in getattr(self, f"b{res}").styles(cur).items():
                out[f"b{res}.{name}"] = s
        return out


class Generator(torch.nn.Module):
    def __init__(self, z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs=None, synthesis_kwargs=None):
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisNetwork(w_dim, img_resolution, img_channels, **(synthesis_kwargs or {}))
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim, c_dim, w_dim, self.num_ws, **(mapping_kwargs or {}))

    def forward(self, z, c=None, truncation_psi=1.0, truncation_cutoff=None, noise_mode="const"):
        ws = self.mapping(z, c, truncation_psi, truncation_cutoff)
        return self.synthesis(ws, noise_mode)


# ---------------------------------------------------------------------------------------------------------------
# Discriminator (resnet architecture, NVIDIA's default)
# ---------------------------------------------------------------------------------------------------------------

class DiscriminatorBlock(torch.nn.Module):
    def __init__(self, in_channels, tmp_channels, out_channels, img_channels, conv_clamp=None):
        super().__init__()
        self.in_channels = in_channels
        self.register_buffer("resample_filter", setup_filter())
        if in_channels == 0:
            self.fromrgb = Conv2dLayer(img_channels, tmp_channels, 1, activation="lrelu", conv_clamp=conv_clamp)
        self.conv0 = Conv2dLayer(tmp_channels, tmp_channels, 3, activation="lrelu", conv_clamp=conv_clamp)
        self.conv1 = Conv2dLayer(tmp_channels, out_channels, 3, activation="lrelu", down=2, conv_clamp=conv_clamp)
        self.skip = Conv2dLayer(tmp_channels, out_channels, 1, bias=False, down=2)

    def forward(self, x, img):
        if self.in_channels == 0:
            x = self.fromrgb(img)
        y = self.skip(x, gain=math.sqrt(0.5))
        x = self.conv0(x)
        x = self.conv1(x, gain=math.sqrt(0.5))
        return y + x


def minibatch_std(x, group_size=4, num_channels=1):
    n, c, h, w = x.shape
    g = min(group_size, n)
    y = x.reshape(g, -1, num_channels, c // num_channels, h, w)
    y = y - y.mean(dim=0)
    y = (y.square().mean(dim=0) + 1e-8).sqrt()
    y = y.mean(dim=[2, 3, 4]).reshape(-1, num_channels, 1, 1).repeat(g, 1, h, w)
    return torch.cat([x, y], dim=1)


class DiscriminatorEpilogue(torch.nn.Module):
    def __init__(self, in_channels, resolution=4, conv_clamp=None, mbstd_group_size=4, mbstd_num_channels=1):
        super().__init__()
        self.group_size, self.num_channels = mbstd_group_size, mbstd_num_channels
        self.conv = Conv2dLayer(in_channels + mbstd_num_channels, in_channels, 3, activation="lrelu",
                                conv_clamp=conv_clamp)
        self.fc = FullyConnectedLayer(in_channels * resolution ** 2, in_channels, activation="lrelu")
        self.out = FullyConnectedLayer(in_channels, 1)

    def forward(self, x):
        x = minibatch_std(x, self.group_size, self.num_channels)
        x = self.conv(x)
        return self.out(self.fc(x.flatten(1)))


class Discriminator(torch.nn.Module):
    def __init__(self, c_dim, img_resolution, img_channels, channel_base=32768, channel_max=512, conv_clamp=None,
                 channels=None):
        super().__init__()
        assert c_dim == 0, "the reference covers unconditional discriminators only"
        self.block_resolutions = [2 ** i for i in range(int(math.log2(img_resolution)), 2, -1)]
        ch = channels or channels_for(self.block_resolutions + [4], channel_base, channel_max)
        for res in self.block_resolutions:
            setattr(self, f"b{res}", DiscriminatorBlock(ch[res] if res < img_resolution else 0, ch[res], ch[res // 2],
                                                        img_channels, conv_clamp))
        self.b4 = DiscriminatorEpilogue(ch[4], conv_clamp=conv_clamp)

    def forward(self, img, c=None):
        x = None
        for res in self.block_resolutions:
            x = getattr(self, f"b{res}")(x, img)
        return self.b4(x)


def z_for_seed(seed, z_dim):
    """The latent every official script draws for a seed."""
    return np.random.RandomState(seed).randn(1, z_dim)
