import ShadersCPU

// Convolutions lowered to GEMM: conv2d by im2col, and the 3-tap convolution along the frame axis
// of SVD's temporal residual block (diffusers' Conv3d with kernel (3, 1, 1), padding (1, 0, 0)).

extension Tensor {
    /// torch.nn.functional.conv2d: x [N, C, H, W], weight [O, C, KH, KW], bias [O] -> [N, O, HO, WO].
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                       padding: (Int, Int) = (0, 0)) -> Tensor {
        precondition(rank == 4 && weight.rank == 4 && shape[1] == weight.shape[1],
                     "conv2d: input \(shape) with weight \(weight.shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let (sh, sw) = stride, (ph, pw) = padding
        let ho = (h + 2 * ph - kh) / sh + 1, wo = (w + 2 * pw - kw) / sw + 1
        precondition(ho > 0 && wo > 0, "conv2d: output would be empty for input \(shape)")
        let geo = ConvGeometry(c: c, h: h, w: w, kh: kh, kw: kw, sh: sh, sw: sw, ph: ph, pw: pw, ho: ho, wo: wo)
        let x = contiguous(), wt = weight.contiguous()
        let out = Tensor.uninitialized([n, o, ho, wo])
        let (px, pwt, po) = (x.data, wt.data, out.data)
        let ckk = geo.patch, hw = ho * wo

        if n >= Parallel.threads || geo.isPointwise {
            parallelFor(n) { lo, hi in
                let col = geo.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: ckk * hw)
                defer { col?.deallocate() }
                for i in lo..<hi {
                    let src = geo.lower(px + i * c * h * w, into: col)
                    BLAS.gemm(transA: false, transB: false, m: o, n: hw, k: ckk, a: pwt, lda: ckk, b: src, ldb: hw,
                              c: po + i * o * hw, ldc: hw)
                }
            }
        } else {
            let col = UnsafeMutablePointer<Float>.allocate(capacity: ckk * hw)
            defer { col.deallocate() }
            for i in 0..<n {
                let src = geo.lower(px + i * c * h * w, into: col)
                BLAS.parallelGemm(transA: false, transB: false, m: o, n: hw, k: ckk, a: pwt, lda: ckk, b: src,
                                  ldb: hw, c: po + i * o * hw, ldc: hw)
            }
        }
        if let bias { out.addChannelBias(bias) }

        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return record(out, inputs: inputs) { g in
            let (px, pwt) = (x.data, wt.data)  // from the captured tensors, which the closure keeps alive
            let gc = g.contiguous()
            let pg = gc.data
            var dx: Tensor?
            if self.requiresGrad {
                let d = Tensor(zeros: [n, c, h, w])
                let pd = d.data
                parallelFor(n) { lo, hi in
                    let dcol = UnsafeMutablePointer<Float>.allocate(capacity: ckk * hw)
                    defer { dcol.deallocate() }
                    for i in lo..<hi {
                        let dst = geo.isPointwise ? pd + i * c * h * w : dcol
                        BLAS.gemm(transA: true, transB: false, m: ckk, n: hw, k: o, a: pwt, lda: ckk,
                                  b: pg + i * o * hw, ldb: hw, c: dst, ldc: hw)
                        if !geo.isPointwise { geo.raise(dcol, into: pd + i * c * h * w) }
                    }
                }
                dx = d
            }
            var dw: Tensor?
            if weight.requiresGrad {
                // Fixed chunks with their own partial sums, reduced in order: deterministic.
                let chunks = Swift.min(n, Parallel.threads)
                let partial = Tensor(zeros: [chunks, o, ckk])
                let pp = partial.data
                parallelChunks(n, chunks: chunks) { chunk, lo, hi in
                    let col = geo.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: ckk * hw)
                    defer { col?.deallocate() }
                    for i in lo..<hi {
                        let src = geo.lower(px + i * c * h * w, into: col)
                        BLAS.gemm(transA: false, transB: true, m: o, n: ckk, k: hw, a: pg + i * o * hw, lda: hw,
                                  b: src, ldb: hw, beta: 1, c: pp + chunk * o * ckk, ldc: ckk)
                    }
                }
                dw = partial.sumAxisKeepingDim(0).reshaped(weight.shape)
            }
            var grads: [Tensor?] = [dx, dw]
            if bias != nil { grads.append(gc.sum(axes: [0, 2, 3])) }
            return grads
        }
    }

    /// out[n, c, ...] += bias[c] for a contiguous [N, C, ...] tensor (in place, forward only).
    func addChannelBias(_ bias: Tensor) {
        let b = bias.contiguous()
        let n = shape[0], c = shape[1], inner = count / (n * c)
        let p = data
        parallelFor(n * c, grain: 16) { lo, hi in
            for idx in lo..<hi {
                let v = b.data[idx % c], row = p + idx * inner
                for i in 0..<inner { row[i] += v }
            }
        }
    }

    /// Convolution along the frame axis: x [N, C, F, H, W], weight [O, C, KT, 1, 1] (odd KT,
    /// zero padding KT/2), bias [O] -> [N, O, F, H, W].
    public func temporalConv(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(rank == 5 && weight.rank == 5 && weight.shape[1] == shape[1] && weight.shape[2] % 2 == 1,
                     "temporalConv: input \(shape) with weight \(weight.shape)")
        let (n, c, f) = (shape[0], shape[1], shape[2])
        let hw = shape[3] * shape[4]
        let (o, kt) = (weight.shape[0], weight.shape[2])
        let pad = kt / 2
        let x = contiguous()
        // Pack the taps: wt[t] = weight[:, :, t] as [O, C].
        let wt = weight.reshaped([o, c, kt]).permuted([2, 0, 1]).contiguous().detached()
        let out = Tensor(zeros: [n, o, f, shape[3], shape[4]])
        let (px, pw, po) = (x.data, wt.data, out.data)
        let fhw = f * hw
        // Tap t reads frame j + t - pad into output frame j, for the frames where both exist.
        func frames(_ t: Int) -> (dst: Int, src: Int, count: Int) {
            let dst = Swift.max(0, pad - t), src = dst + t - pad
            return (dst, src, Swift.max(0, f - Swift.max(dst, src)))
        }
        parallelFor(n) { lo, hi in
            for i in lo..<hi {
                for t in 0..<kt {
                    let r = frames(t)
                    if r.count == 0 { continue }
                    BLAS.gemm(transA: false, transB: false, m: o, n: r.count * hw, k: c, a: pw + t * o * c, lda: c,
                              b: px + i * c * fhw + r.src * hw, ldb: fhw, beta: 1, c: po + i * o * fhw + r.dst * hw,
                              ldc: fhw)
                }
            }
        }
        if let bias { out.addChannelBias(bias) }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return record(out, inputs: inputs) { g in
            let (px, pw) = (x.data, wt.data)  // from the captured tensors, which the closure keeps alive
            let gc = g.contiguous()
            let pg = gc.data
            var dx: Tensor?
            if self.requiresGrad {
                let d = Tensor(zeros: self.shape)
                let pd = d.data
                parallelFor(n) { lo, hi in
                    for i in lo..<hi {
                        for t in 0..<kt {
                            let r = frames(t)
                            if r.count == 0 { continue }
                            BLAS.gemm(transA: true, transB: false, m: c, n: r.count * hw, k: o, a: pw + t * o * c,
                                      lda: c, b: pg + i * o * fhw + r.dst * hw, ldb: fhw, beta: 1,
                                      c: pd + i * c * fhw + r.src * hw, ldc: fhw)
                        }
                    }
                }
                dx = d
            }
            var dw: Tensor?
            if weight.requiresGrad {
                let chunks = Swift.min(n, Parallel.threads)
                let partial = Tensor(zeros: [chunks, kt, o, c])
                let pp = partial.data
                parallelChunks(n, chunks: chunks) { chunk, lo, hi in
                    for i in lo..<hi {
                        for t in 0..<kt {
                            let r = frames(t)
                            if r.count == 0 { continue }
                            BLAS.gemm(transA: false, transB: true, m: o, n: c, k: r.count * hw,
                                      a: pg + i * o * fhw + r.dst * hw, lda: fhw, b: px + i * c * fhw + r.src * hw,
                                      ldb: fhw, beta: 1, c: pp + (chunk * kt + t) * o * c, ldc: c)
                        }
                    }
                }
                // [kt, O, C] -> [O, C, kt, 1, 1]
                dw = partial.sumAxisKeepingDim(0).reshaped([kt, o, c]).permuted([1, 2, 0]).contiguous()
                    .reshaped(weight.shape)
            }
            var grads: [Tensor?] = [dx, dw]
            if bias != nil { grads.append(gc.sum(axes: [0, 2, 3, 4])) }
            return grads
        }
    }
}

/// Shapes of one conv2d lowering; `lower` writes im2col (or returns x itself for a 1x1 conv),
/// `raise` is its adjoint (col2im into a zeroed gradient).
struct ConvGeometry {
    let c, h, w, kh, kw, sh, sw, ph, pw, ho, wo: Int
    var patch: Int { c * kh * kw }
    var isPointwise: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 }

    func lower(_ x: UnsafeMutablePointer<Float>, into col: UnsafeMutablePointer<Float>?) -> UnsafeMutablePointer<Float> {
        guard let col, !isPointwise else { return x }
        nn_im2col(x, col, Int64(c), Int64(h), Int64(w), Int64(kh), Int64(kw), Int64(sh), Int64(sw), Int64(ph),
                  Int64(pw), Int64(ho), Int64(wo))
        return col
    }

    func raise(_ dcol: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        nn_col2im(dcol, dx, Int64(c), Int64(h), Int64(w), Int64(kh), Int64(kw), Int64(sh), Int64(sw), Int64(ph),
                  Int64(pw), Int64(ho), Int64(wo))
    }
}
