"""A small StyleGAN2 and its training iteration in PyTorch, written for the bench's models-train suite.

The PyTorch CPU peer of `StyleGan2Trainer` (@stylegpu/stylegan): the same networks (shapes, channel counts,
parameter counts) and the same work per iteration, written directly in torch ops so PyTorch runs at its own
speed. It does not reproduce stylegpu's numbers (other random streams, other init draws); it reproduces the
FLOP-relevant structure:

  G  mapping: normalise z's 2nd moment, `mapping_layers` equalised FC + lrelu (lr multiplier 0.01), broadcast
     to num_ws; w_avg tracked (β 0.995) by the first mapping call of a phase.
     synthesis, 'skip' architecture: 4×4 constant → per block: [conv0 (up 2)], conv1, ToRGB; each conv is a
     modulated 3×3 conv with demodulation (styles from an equalised affine, bias init 1), per-pixel random
     noise × a learned strength, bias + lrelu·√2, clamp 256; the up conv is a stride-2 transposed conv then a
     [1,3,3,1]⊗[1,3,3,1] FIR (padding 1, gain 4); ToRGB is a modulated 1×1 conv without demodulation
     (style gain 1/√C), clamp 256, and the image skip path is upsampled by the same FIR (zeros inserted,
     padding 2/1, gain 4).
     Modulation is applied to the activations (x·s, conv with the shared weight, ·demod), as NVIDIA trains:
     the conv FLOPs are those of the per-sample weights, without building them.
  D  'resnet': FromRGB 1×1 lrelu at the top block; per block r → r/2: skip = FIR down 2 then 1×1 (no bias,
     gain √½), conv0 3×3 lrelu, conv1 = FIR (padding 2) then 3×3 stride 2, lrelu gain √½, x = skip + x;
     epilogue: minibatch std (group min(4, N), 1 channel), 3×3 conv lrelu, FC lrelu, FC → 1 logit.
     Equalised learning rate everywhere (weights N(0,1) scaled by 1/√fan_in at run time), clamp 256·gain.
  Training iteration (stylegan2-ada-pytorch's StyleGAN2Loss phases, no augmentation, no path length):
     Gmain: softplus(−D(G(z))) with style mixing p and random noise, D frozen, Adam(G);
     Dmain: softplus(D(G(z))) (G under no_grad) and softplus(−D(x)), two backward passes, Adam(D);
     Dreg every `d_reg_interval` iterations: R1 = ‖∂ΣD(x)/∂x‖² through torch.autograd.grad(create_graph=True),
     (logits·0 + γ/2·R1).mean()·interval backward, Adam(D) (lr and betas scaled by interval/(interval+1));
     then G_ema ← lerp(G, G_ema, 0.5^(batch / ema_nimg)) with the optional ramp-up, buffers copied.
"""
import copy
import math

import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)
SQRT_HALF = math.sqrt(0.5)


def fir_filter():
    """[1, 3, 3, 1] ⊗ [1, 3, 3, 1], normalised to sum 1 (symmetric: convolution and correlation agree)."""
    taps = torch.tensor([1.0, 3.0, 3.0, 1.0])
    f = torch.outer(taps, taps)
    return f / f.sum()


def fir(x, f, pad, stride=1, gain=1.0):
    """Pads x by (left, right, top, bottom), then filters every channel with f (depthwise), keeping every `stride`-th output."""
    c = x.shape[1]
    w = (f * gain).to(x.dtype)[None, None].expand(c, 1, *f.shape)
    return F.conv2d(F.pad(x, pad), w, stride=stride, groups=c)


def upsample2d(x, f):
    """Up 2: zeros inserted after every pixel, then the FIR with padding (2, 1) and gain 4."""
    n, c, h, w = x.shape
    x = F.pad(x.reshape(n, c, h, 1, w, 1), [0, 1, 0, 0, 0, 1]).reshape(n, c, 2 * h, 2 * w)
    return fir(x, f, (2, 1, 2, 1), gain=4.0)


def bias_act(x, bias, lrelu, gain, clamp):
    if bias is not None:
        x = x + bias.reshape(1, -1, *([1] * (x.ndim - 2)))
    if lrelu:
        x = F.leaky_relu(x, 0.2)
        gain = gain * SQRT2
    if gain != 1:
        x = x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x


class Dense(torch.nn.Module):
    """Equalised-learning-rate fully connected layer: weight N(0, 1)/lr_mul stored, ×lr_mul/√in at run time."""

    def __init__(self, n_in, n_out, lrelu=False, bias_init=0.0, lr_mul=1.0):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in) / lr_mul)
        self.bias = torch.nn.Parameter(torch.full([n_out], float(bias_init)))
        self.weight_gain = lr_mul / math.sqrt(n_in)
        self.lr_mul = lr_mul
        self.lrelu = lrelu

    def forward(self, x):
        x = F.linear(x, self.weight * self.weight_gain, self.bias * self.lr_mul)
        return F.leaky_relu(x, 0.2) * SQRT2 if self.lrelu else x


class Mapping(torch.nn.Module):
    def __init__(self, z_dim, w_dim, num_ws, layers, lr_mul=0.01, w_avg_beta=0.995):
        super().__init__()
        self.num_ws = num_ws
        self.w_avg_beta = w_avg_beta
        self.fcs = torch.nn.ModuleList([Dense(z_dim if i == 0 else w_dim, w_dim, lrelu=True, lr_mul=lr_mul) for i in range(layers)])
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z, track_w_avg):
        x = z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
        for fc in self.fcs:
            x = fc(x)
        if track_w_avg:
            with torch.no_grad():
                self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        return x.unsqueeze(1).expand(-1, self.num_ws, -1)


class ModulatedConv(torch.nn.Module):
    """3×3 modulated conv with demodulation and noise (optionally up 2), then bias, lrelu·√2, clamp."""

    def __init__(self, c_in, c_out, w_dim, resolution, up, clamp):
        super().__init__()
        self.affine = Dense(w_dim, c_in, bias_init=1.0)
        self.weight = torch.nn.Parameter(torch.randn(c_out, c_in, 3, 3))
        self.bias = torch.nn.Parameter(torch.zeros(c_out))
        self.noise_strength = torch.nn.Parameter(torch.zeros([]))
        self.register_buffer("noise_const", torch.randn(resolution, resolution))
        self.resolution = resolution
        self.up = up
        self.clamp = clamp

    def forward(self, x, w, f):
        n = x.shape[0]
        s = self.affine(w)  # [N, C_in]
        demod = ((self.weight.unsqueeze(0) * s[:, None, :, None, None]).square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()  # [N, C_out]
        x = x * s[:, :, None, None]
        if self.up:
            # Transposed stride-2 conv ([N, O, 2H+1, 2W+1]), then the FIR back to 2H × 2W.
            x = F.conv_transpose2d(x, self.weight.transpose(0, 1), stride=2)
            x = fir(x, f, (1, 1, 1, 1), gain=4.0)
        else:
            x = F.conv2d(x, self.weight, padding=1)
        noise = torch.randn(n, 1, self.resolution, self.resolution) * self.noise_strength
        x = torch.addcmul(noise, x, demod[:, :, None, None])
        return bias_act(x, self.bias, True, 1.0, self.clamp)


class ToRGB(torch.nn.Module):
    def __init__(self, c_in, img_channels, w_dim, clamp):
        super().__init__()
        self.affine = Dense(w_dim, c_in, bias_init=1.0)
        self.weight = torch.nn.Parameter(torch.randn(img_channels, c_in, 1, 1))
        self.bias = torch.nn.Parameter(torch.zeros(img_channels))
        self.style_gain = 1 / math.sqrt(c_in)
        self.clamp = clamp

    def forward(self, x, w):
        s = self.affine(w) * self.style_gain
        return bias_act(F.conv2d(x * s[:, :, None, None], self.weight), self.bias, False, 1.0, self.clamp)


class SynthesisBlock(torch.nn.Module):
    def __init__(self, resolution, c_in, c_out, w_dim, img_channels, clamp):
        super().__init__()
        self.resolution = resolution
        if resolution == 4:
            self.const = torch.nn.Parameter(torch.randn(c_out, 4, 4))
        else:
            self.conv0 = ModulatedConv(c_in, c_out, w_dim, resolution, True, clamp)
        self.conv1 = ModulatedConv(c_out, c_out, w_dim, resolution, False, clamp)
        self.torgb = ToRGB(c_out, img_channels, w_dim, clamp)
        self.num_ws = 2 if resolution == 4 else 3

    def forward(self, x, img, ws, f):
        if self.resolution == 4:
            x = self.const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1)
            x = self.conv1(x, ws[:, 0], f)
        else:
            x = self.conv0(x, ws[:, 0], f)
            x = self.conv1(x, ws[:, 1], f)
        y = self.torgb(x, ws[:, -1])
        return x, (y if img is None else upsample2d(img, f) + y)


class Generator(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        res = cfg["resolution"]
        ch = {int(k): v for k, v in cfg["channels"].items()}
        self.block_res = [2 ** i for i in range(2, int(math.log2(res)) + 1)]
        self.num_ws = 2 * len(self.block_res)
        self.mapping = Mapping(cfg["zDim"], cfg["wDim"], self.num_ws, cfg["mappingLayers"])
        self.blocks = torch.nn.ModuleList(
            [SynthesisBlock(r, ch.get(r // 2, 0), ch[r], cfg["wDim"], cfg["imgChannels"], cfg["convClamp"]) for r in self.block_res])
        self.register_buffer("f", fir_filter())

    def synthesis(self, ws):
        x = img = None
        w_idx = 0
        for b in self.blocks:
            # Consecutive blocks share one w: a block's ToRGB w is the next block's first conv's.
            x, img = b(x, img, ws[:, w_idx:w_idx + b.num_ws], self.f)
            w_idx += b.num_ws - 1
        return img


class DConv(torch.nn.Module):
    """Equalised conv (1×1 or 3×3; optionally down 2), bias, lrelu·√2 or linear, × gain, clamp × gain."""

    def __init__(self, c_in, c_out, k, lrelu=True, down=False, bias=True, gain=1.0, clamp=None):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(c_out, c_in, k, k))
        self.bias = torch.nn.Parameter(torch.zeros(c_out)) if bias else None
        self.weight_gain = 1 / math.sqrt(c_in * k * k)
        self.k, self.lrelu, self.down, self.gain = k, lrelu, down, gain
        self.clamp = None if clamp is None else clamp * gain

    def forward(self, x, f):
        w = self.weight * self.weight_gain
        if not self.down:
            x = F.conv2d(x, w, padding=self.k // 2)
        elif self.k == 1:
            x = F.conv2d(fir(x, f, (1, 1, 1, 1), stride=2), w)
        else:
            x = F.conv2d(fir(x, f, (2, 2, 2, 2)), w, stride=2)
        return bias_act(x, self.bias, self.lrelu, self.gain, self.clamp)


def minibatch_std(x, group, channels=1):
    n, c, h, w = x.shape
    g = min(group, n)
    y = x.reshape(g, -1, channels, c // channels, h, w)
    y = y - y.mean(dim=0)
    y = (y.square().mean(dim=0) + 1e-8).sqrt()
    y = y.mean(dim=[2, 3, 4]).reshape(-1, channels, 1, 1).repeat(g, 1, h, w)
    return torch.cat([x, y], dim=1)


class Discriminator(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        res = cfg["resolution"]
        ch = {int(k): v for k, v in cfg["channels"].items()}
        clamp = cfg["convClamp"]
        self.mbstd_group = cfg["mbstdGroup"]
        self.mbstd_channels = cfg["mbstdChannels"]
        self.fromrgb = DConv(cfg["imgChannels"], ch[res], 1, clamp=clamp)
        self.blocks = torch.nn.ModuleList()
        r = res
        while r > 4:
            blk = torch.nn.Module()
            blk.skip = DConv(ch[r], ch[r // 2], 1, lrelu=False, down=True, bias=False, gain=SQRT_HALF)
            blk.conv0 = DConv(ch[r], ch[r], 3, clamp=clamp)
            blk.conv1 = DConv(ch[r], ch[r // 2], 3, down=True, gain=SQRT_HALF, clamp=clamp)
            self.blocks.append(blk)
            r //= 2
        c4 = ch[4]
        self.conv = DConv(c4 + self.mbstd_channels, c4, 3, clamp=clamp)
        self.fc = Dense(c4 * 16, c4, lrelu=True)
        self.out = Dense(c4, 1)
        self.register_buffer("f", fir_filter())

    def forward(self, img):
        x = self.fromrgb(img, self.f)
        for b in self.blocks:
            y = b.skip(x, self.f)
            x = b.conv1(b.conv0(x, self.f), self.f)
            x = y + x
        x = minibatch_std(x, self.mbstd_group, self.mbstd_channels)
        x = self.conv(x, self.f)
        return self.out(self.fc(x.flatten(1)))


def parameter_count(module):
    return sum(p.numel() for p in module.parameters())


class Trainer:
    """One StyleGAN2 training iteration per `iteration(reals)` call; counters as NVIDIA's batch_idx / cur_nimg."""

    def __init__(self, cfg, seed=0):
        torch.manual_seed(seed)
        self.cfg = cfg
        self.G = Generator(cfg)
        self.D = Discriminator(cfg)
        self.G_ema = copy.deepcopy(self.G)
        for net in (self.G, self.D, self.G_ema):
            net.requires_grad_(False)
        b1, b2 = cfg["beta1"], cfg["beta2"]
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=cfg["glr"], betas=(b1, b2), eps=1e-8)
        ratio = cfg["dRegInterval"] / (cfg["dRegInterval"] + 1)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=cfg["dlr"] * ratio, betas=(b1 ** ratio, b2 ** ratio), eps=1e-8)
        self.step = 0
        self.nimg = 0

    def run_G(self, n):
        G = self.G
        ws = G.mapping(torch.randn(n, self.cfg["zDim"]), track_w_avg=True)
        if torch.rand([]) < self.cfg["styleMixing"]:
            cutoff = int(torch.randint(1, G.num_ws, []))
            ws = torch.cat([ws[:, :cutoff], G.mapping(torch.randn(n, self.cfg["zDim"]), track_w_avg=False)[:, cutoff:]], dim=1)
        return G.synthesis(ws)

    def iteration(self, reals):
        cfg, G, D = self.cfg, self.G, self.D
        n = reals.shape[0]
        out = {}
        # Gmain
        G.requires_grad_(True)
        self.opt_G.zero_grad(set_to_none=True)
        loss = F.softplus(-D(self.run_G(n))).mean()
        loss.backward()
        self.opt_G.step()
        G.requires_grad_(False)
        out["lossG"] = loss.item()
        # Dmain: generated and real images through D separately, two backward passes.
        D.requires_grad_(True)
        self.opt_D.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = self.run_G(n)
        loss_fake = F.softplus(D(fake)).mean()
        loss_fake.backward()
        loss_real = F.softplus(-D(reals)).mean()
        loss_real.backward()
        self.opt_D.step()
        out["lossDfake"], out["lossDreal"] = loss_fake.item(), loss_real.item()
        # Dreg: lazy R1.
        interval = cfg["dRegInterval"]
        if cfg["gamma"] > 0 and self.step % interval == 0:
            self.opt_D.zero_grad(set_to_none=True)
            x = reals.detach().requires_grad_(True)
            logits = D(x)
            (g,) = torch.autograd.grad(outputs=[logits.sum()], inputs=[x], create_graph=True)
            penalty = g.square().sum(dim=[1, 2, 3])
            # logits·0 gives every D parameter a gradient, so Adam steps them all.
            (logits[:, 0] * 0 + penalty * (cfg["gamma"] / 2)).mean().mul(interval).backward()
            self.opt_D.step()
            out["r1"] = penalty.mean().item()
        D.requires_grad_(False)
        # G_ema
        ema_nimg = cfg["emaKimg"] * 1000
        if cfg.get("emaRampup"):
            ema_nimg = min(ema_nimg, self.nimg * cfg["emaRampup"])
        beta = 0.5 ** (n / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for p_ema, p in zip(self.G_ema.parameters(), G.parameters()):
                p_ema.copy_(p.lerp(p_ema, beta))
            for b_ema, b in zip(self.G_ema.buffers(), G.buffers()):
                b_ema.copy_(b)
        self.nimg += n
        self.step += 1
        return out
