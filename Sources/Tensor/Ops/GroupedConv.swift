import ShadersCPU

// Grouped convolution (torch conv2d's `groups`): depthwise (groups = C) on the Shaders-CPU
// kernels, other group counts as per-group convolutions joined along channels.

extension Tensor {
    /// conv2d with `groups` > 1: x [N, C, H, W], weight [O, C / groups, KH, KW], bias [O].
    func groupedConv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), groups: Int) -> Tensor {
        let (c, o) = (shape[1], weight.shape[0])
        precondition(c % groups == 0 && o % groups == 0 && weight.shape[1] == c / groups,
                     "conv2d groups \(groups): input \(shape) with weight \(weight.shape)")
        if groups == c { return depthwiseConv2d(weight: weight, bias: bias, stride: stride, padding: padding) }
        let xs = split(sizes: [Int](repeating: c / groups, count: groups), axis: 1)
        let ws = weight.split(sizes: [Int](repeating: o / groups, count: groups), axis: 0)
        let bs = bias?.split(sizes: [Int](repeating: o / groups, count: groups), axis: 0)
        let parts = (0..<groups).map { g in xs[g].conv2d(weight: ws[g], bias: bs?[g], stride: stride, padding: padding) }
        return Tensor.concat(parts, axis: 1)
    }

    /// Depthwise convolution: output channel o correlates input channel o / (O / C) with weight[o, 0].
    func depthwiseConv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int)) -> Tensor {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let size = ConvGeometry(c: c, h: h, w: w, kh: kh, kw: kw, stride: stride, padding: padding, op: "depthwise conv \(shape)")
        let (sh, sw, ph, pw, ho, wo) = (size.sh, size.sw, size.ph, size.pw, size.ho, size.wo)
        let mult = o / c
        let x = contiguous(), wt = weight.contiguous(), bc = bias?.contiguous()
        let out = Tensor.uninitialized([n, o, ho, wo])
        let (chw, ohw) = (c * h * w, o * ho * wo)
        let geo = (Int64(h), Int64(w), Int64(kh), Int64(kw), Int64(sh), Int64(sw), Int64(ph), Int64(pw), Int64(ho), Int64(wo), Int64(mult))
        parallelFor(n * o, grain: 4) { lo, hi in
            for idx in lo..<hi {
                let (i, ch) = (idx / o, idx % o)
                nn_depthwise_fwd(x.data + i * chw, wt.data, bc?.data, out.data + i * ohw, geo.0, geo.1, geo.2, geo.3, geo.4,
                                 geo.5, geo.6, geo.7, geo.8, geo.9, geo.10, Int64(ch), Int64(ch + 1))
            }
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return record(out, inputs: inputs) { g in
            let gc = g.contiguous()
            var dx: Tensor?
            if self.requiresGrad {
                let d = Tensor(zeros: [n, c, h, w])
                parallelFor(n * c, grain: 4) { lo, hi in
                    for idx in lo..<hi {
                        let (i, ch) = (idx / c, idx % c)
                        nn_depthwise_bwd_input(gc.data + i * ohw, wt.data, d.data + i * chw, geo.0, geo.1, geo.2, geo.3, geo.4,
                                               geo.5, geo.6, geo.7, geo.8, geo.9, geo.10, Int64(ch), Int64(ch + 1))
                    }
                }
                dx = d
            }
            var dw: Tensor?
            if weight.requiresGrad {
                // Channels own their kernels: parallel over channels, images in order (deterministic).
                let d = Tensor(zeros: [o, 1, kh, kw])
                parallelFor(o, grain: 4) { lo, hi in
                    for i in 0..<n {
                        nn_depthwise_bwd_weight(gc.data + i * ohw, x.data + i * chw, d.data, geo.0, geo.1, geo.2, geo.3, geo.4,
                                                geo.5, geo.6, geo.7, geo.8, geo.9, geo.10, Int64(lo), Int64(hi))
                    }
                }
                dw = d
            }
            var grads: [Tensor?] = [dx, dw]
            if bias != nil { grads.append(gc.sum(axes: [0, 2, 3])) }
            return grads
        }
    }
}
