// Separable filtering of the last two axes, valid mode (no padding): the Gaussian window of SSIM.
// Backward: the adjoint of a valid correlation scatters each output gradient over its window.

extension Tensor {
    /// y[..., i, j] = sum_a sum_b taps[a] taps[b] x[..., i + a, j + b]; x [..., H, W] ->
    /// [..., H - k + 1, W - k + 1] with k = taps.count.
    public func separableFilter(_ taps: [Float]) -> Tensor {
        precondition(rank >= 2, "separableFilter needs [..., H, W], got \(shape)")
        let k = taps.count, h = shape[rank - 2], w = shape[rank - 1]
        precondition(h >= k && w >= k, "separableFilter: \(k)-tap window larger than \(h)x\(w)")
        let (ho, wo) = (h - k + 1, w - k + 1)
        let planes = count / (h * w)
        let x = contiguous()
        var outShape = shape
        outShape[rank - 2] = ho
        outShape[rank - 1] = wo
        let out = Tensor.uninitialized(outShape)
        let (px, po) = (x.data, out.data)
        parallelFor(planes) { lo, hi in
            let rowPass = UnsafeMutablePointer<Float>.allocate(capacity: h * wo)  // [H, WO]
            defer { rowPass.deallocate() }
            for p in lo..<hi {
                let src = px + p * h * w, dst = po + p * ho * wo
                for i in 0..<h {
                    for j in 0..<wo {
                        var s: Float = 0
                        for a in 0..<k { s += taps[a] * src[i * w + j + a] }
                        rowPass[i * wo + j] = s
                    }
                }
                for i in 0..<ho {
                    for j in 0..<wo { dst[i * wo + j] = 0 }
                    for a in 0..<k {
                        let t = taps[a], row = rowPass + (i + a) * wo, o = dst + i * wo
                        for j in 0..<wo { o[j] += t * row[j] }
                    }
                }
            }
        }
        let inShape = shape
        return Tensor.record(out, inputs: [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor(zeros: inShape)
            let (pg, pd) = (gc.data, dx.data)
            parallelFor(planes) { lo, hi in
                let colPass = UnsafeMutablePointer<Float>.allocate(capacity: h * wo)  // adjoint of the column pass
                defer { colPass.deallocate() }
                for p in lo..<hi {
                    let gp = pg + p * ho * wo, d = pd + p * h * w
                    colPass.update(repeating: 0, count: h * wo)
                    for i in 0..<ho {
                        for a in 0..<k {
                            let t = taps[a], row = colPass + (i + a) * wo, src = gp + i * wo
                            for j in 0..<wo { row[j] += t * src[j] }
                        }
                    }
                    for i in 0..<h {
                        for j in 0..<wo {
                            let v = colPass[i * wo + j]
                            for a in 0..<k { d[i * w + j + a] += taps[a] * v }
                        }
                    }
                }
            }
            return [dx]
        }
    }
}
