// Resampling on [N, C, H, W]: nearest upsampling and average / max pooling (no padding).

extension Tensor {
    /// Nearest-neighbour upsampling by an integer factor (diffusers' Upsample2D uses 2).
    public func upsampleNearest(scale: Int = 2) -> Tensor {
        precondition(rank == 4, "upsampleNearest expects [N, C, H, W], got \(shape)")
        let (nc, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let x = contiguous()
        let out = Tensor.uninitialized([shape[0], shape[1], h * scale, w * scale])
        let (px, po) = (x.data, out.data)
        parallelFor(nc, grain: 4) { lo, hi in
            for p in lo..<hi { for y in 0..<(h * scale) {
                let src = px + (p * h + y / scale) * w, dst = po + (p * h * scale + y) * w * scale
                for xo in 0..<(w * scale) { dst[xo] = src[xo / scale] }
            } }
        }
        return record(out, inputs: [self]) { g in
            [g.reshaped([nc, h, scale, w, scale]).sum(axes: [2, 4]).reshaped(self.shape)]
        }
    }

    /// Average pooling with a square window.
    public func avgPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        pool2d(kernel: kernel, stride: stride ?? kernel, isMax: false)
    }

    /// Max pooling with a square window; the gradient goes to the first maximum of each window.
    public func maxPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        pool2d(kernel: kernel, stride: stride ?? kernel, isMax: true)
    }

    private func pool2d(kernel k: Int, stride s: Int, isMax: Bool) -> Tensor {
        precondition(rank == 4, "pooling expects [N, C, H, W], got \(shape)")
        let (nc, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let size = ConvGeometry(c: 1, h: h, w: w, kh: k, kw: k, stride: (s, s), op: "pooling \(shape)")
        let (ho, wo) = (size.ho, size.wo)
        let x = contiguous()
        let out = Tensor.uninitialized([shape[0], shape[1], ho, wo])
        var argmax = isMax ? [Int32](repeating: 0, count: nc * ho * wo) : []
        let (px, po) = (x.data, out.data)
        argmax.withUnsafeMutableBufferPointer { am in
            parallelFor(nc, grain: 4) { lo, hi in
                for p in lo..<hi { for oy in 0..<ho { for ox in 0..<wo {
                    var acc: Float = isMax ? -.infinity : 0
                    var best = 0
                    for ky in 0..<k { for kx in 0..<k {
                        let idx = (oy * s + ky) * w + ox * s + kx
                        let v = px[p * h * w + idx]
                        if isMax { if v > acc { acc = v; best = idx } } else { acc += v }
                    } }
                    let o = (p * ho + oy) * wo + ox
                    po[o] = isMax ? acc : acc / Float(k * k)
                    if isMax { am[o] = Int32(best) }
                } } }
            }
        }
        return record(out, inputs: [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor(zeros: self.shape)
            let (pg, pd) = (gc.data, dx.data)
            // Channels are independent: parallel over them without overlap.
            parallelFor(nc, grain: 4) { lo, hi in
                for p in lo..<hi { for oy in 0..<ho { for ox in 0..<wo {
                    let o = (p * ho + oy) * wo + ox
                    if isMax { pd[p * h * w + Int(argmax[o])] += pg[o] } else {
                        let v = pg[o] / Float(k * k)
                        for ky in 0..<k { for kx in 0..<k { pd[p * h * w + (oy * s + ky) * w + ox * s + kx] += v } }
                    }
                } } }
            }
            return [dx]
        }
    }
}
