import ShadersCPU

// Convolutions lowered to GEMM: conv2d by im2col, and the 3-tap convolution along the frame axis
// of SVD's temporal residual block (diffusers' Conv3d with kernel (3, 1, 1), padding (1, 0, 0)).

extension Tensor {
    /// torch.nn.functional.conv2d: x [N, C, H, W], weight [O, C / groups, KH, KW], bias [O] -> [N, O, HO, WO].
    /// `groups` > 1: GroupedConv.swift.
    /// Implicit GEMM (Shaders-CPU/nn_gemm.c): no im2col buffer for the forward and weight gradient;
    /// the stride-1 input gradient is itself a convolution of dY with the flipped, transposed
    /// kernel (padding K - 1 - p), so it takes the same path.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                       padding: (Int, Int) = (0, 0), groups: Int = 1) -> Tensor {
        if groups != 1 {
            precondition(rank == 4 && weight.rank == 4, "conv2d: input \(shape) with weight \(weight.shape)")
            return groupedConv2d(weight: weight, bias: bias, stride: stride, padding: padding, groups: groups)
        }
        precondition(rank == 4 && weight.rank == 4 && shape[1] == weight.shape[1],
                     "conv2d: input \(shape) with weight \(weight.shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let geo = ConvGeometry(c: c, h: h, w: w, kh: kh, kw: kw, stride: stride, padding: padding, op: "conv2d \(shape)")
        let x = contiguous(), wt = weight.contiguous()
        let out = Tensor.convForward(x, wt, geo, outChannels: o, bias: bias?.contiguous())

        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return record(out, inputs: inputs) { g in
            let gc = g.contiguous()
            var dx: Tensor?
            if self.requiresGrad { dx = Tensor.convInputGradient(gc, wt, geo, batch: n) }
            var dw: Tensor?
            if weight.requiresGrad { dw = Tensor.convWeightGradient(gc, x, geo, outChannels: o).reshaped(weight.shape) }
            var grads: [Tensor?] = [dx, dw]
            if bias != nil { grads.append(gc.sum(axes: [0, 2, 3])) }
            return grads
        }
    }

    /// y [N, O, HO, WO] = conv(x, w) + bias, without recording. The bias is written into each
    /// image's output rows just before its GEMM accumulates onto them (beta = 1), while they are in
    /// cache, instead of a separate pass over the whole output.
    static func convForward(_ x: Tensor, _ w: Tensor, _ geo: ConvGeometry, outChannels o: Int, bias: Tensor? = nil) -> Tensor {
        if winogradApplies(geo, outChannels: o, batch: x.shape[0]) { return winogradConv(x, w, geo, outChannels: o, bias: bias) }
        let n = x.shape[0], hw = geo.ho * geo.wo, ckk = geo.patch, chw = geo.c * geo.h * geo.w
        let out = Tensor.uninitialized([n, o, geo.ho, geo.wo])
        let (px, pw, po) = (x.data, w.data, out.data)
        let pb = bias?.data
        let beta: Float = pb == nil ? 0 : 1
        let g = geo.c_geometry
        // Output rows [r0, r1) x pixels [q0, q1) of image i: bias first, then the product.
        func block(_ i: Int, _ r0: Int, _ r1: Int, _ q0: Int, _ q1: Int, _ work: UnsafeMutablePointer<Float>?) {
            let y = po + (i * o + r0) * hw
            if let pb { for r in 0..<(r1 - r0) { (y + r * hw + q0).update(repeating: pb[r0 + r], count: q1 - q0) } }
            if let work {
                var gl = g
                nn_conv_gemm_fwd(&gl, pw + r0 * ckk, px + i * chw, Int64(r1 - r0), Int64(q0), Int64(q1 - q0), beta, y, work)
            } else {
                BLAS.gemm(transA: false, transB: false, m: r1 - r0, n: q1 - q0, k: ckk, a: pw + r0 * ckk, lda: ckk,
                          b: px + i * chw + q0, ldb: hw, beta: beta, c: y + q0, ldc: hw)
            }
        }
        if n >= Parallel.threads {
            parallelFor(n) { lo, hi in
                let work = geo.isPointwise ? nil : GemmWorkspace.acquire()
                defer { work.map(GemmWorkspace.release) }
                for i in lo..<hi { block(i, 0, o, 0, hw, work) }
            }
        } else {
            // Few images: split output pixels across the cores, so each gathers only its columns.
            for i in 0..<n {
                parallelChunks(hw, chunks: Parallel.threads) { _, q0, q1 in
                    let work = geo.isPointwise ? nil : GemmWorkspace.acquire()
                    defer { work.map(GemmWorkspace.release) }
                    block(i, 0, o, q0, q1, work)
                }
            }
        }
        return out
    }

    /// dx [N, C, H, W] from dy [N, O, HO, WO] and w [O, C, KH, KW].
    static func convInputGradient(_ dy: Tensor, _ w: Tensor, _ geo: ConvGeometry, batch n: Int) -> Tensor {
        let o = dy.shape[1], hw = geo.ho * geo.wo, ckk = geo.patch, chw = geo.c * geo.h * geo.w
        if geo.sh == 1 && geo.sw == 1 && !geo.isPointwise && geo.ph < geo.kh && geo.pw < geo.kw {
            // dx = conv(dy, w flipped in space and transposed in channels, padding K - 1 - p)
            // f [C, O, KH, KW]: a kernel flipped in both axes is its flattened taps reversed.
            let (kh, kw) = (geo.kh, geo.kw), kk = kh * kw, c = geo.c
            let f = Tensor.uninitialized([c, o, kh, kw])
            let (src, dst) = (w.data, f.data)
            parallelFor(o, grain: 16) { lo, hi in
                for oc in lo..<hi { for ci in 0..<c {
                    let from = src + (oc * c + ci) * kk, to = dst + (ci * o + oc) * kk
                    for q in 0..<kk { to[q] = from[kk - 1 - q] }
                } }
            }
            let back = ConvGeometry(c: o, h: geo.ho, w: geo.wo, kh: kh, kw: kw, sh: 1, sw: 1,
                                    ph: kh - 1 - geo.ph, pw: kw - 1 - geo.pw, ho: geo.h, wo: geo.w)
            return convForward(dy, f, back, outChannels: geo.c)
        }
        let d = Tensor(zeros: [n, geo.c, geo.h, geo.w])
        let (pd, pg, pw) = (d.data, dy.data, w.data)
        let kk = geo.kh * geo.kw
        if n < Parallel.threads {
            // Few images: one GEMM split across the cores, then col2im split by channel.
            let dcol = geo.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: ckk * hw)
            defer { dcol?.deallocate() }
            for i in 0..<n {
                let dst = dcol ?? pd + i * chw
                BLAS.parallelGemm(transA: true, transB: false, m: ckk, n: hw, k: o, a: pw, lda: ckk, b: pg + i * o * hw,
                                  ldb: hw, c: dst, ldc: hw)
                guard let dcol else { continue }
                parallelFor(geo.c) { c0, c1 in
                    let slice = ConvGeometry(c: c1 - c0, h: geo.h, w: geo.w, kh: geo.kh, kw: geo.kw, sh: geo.sh, sw: geo.sw,
                                             ph: geo.ph, pw: geo.pw, ho: geo.ho, wo: geo.wo)
                    slice.raise(dcol + c0 * kk * hw, into: pd + i * chw + c0 * geo.h * geo.w)
                }
            }
            return d
        }
        // Scratch allocated here, on the calling thread, so it comes from (and returns to) the
        // main heap instead of fresh mmaps in worker arenas.
        let chunks = Parallel.threads
        let scratch = geo.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: chunks * ckk * hw)
        defer { scratch?.deallocate() }
        parallelChunks(n, chunks: chunks) { chunk, lo, hi in
            let dcol = scratch.map { $0 + chunk * ckk * hw }
            for i in lo..<hi {
                let dst = dcol ?? pd + i * chw
                BLAS.gemm(transA: true, transB: false, m: ckk, n: hw, k: o, a: pw, lda: ckk, b: pg + i * o * hw,
                          ldb: hw, c: dst, ldc: hw)
                if let dcol { geo.raise(dcol, into: pd + i * chw) }
            }
        }
        return d
    }

    /// dw [O, C*KH*KW] = sum over images of dy_i * im2col(x_i)^T; fixed chunks with their own
    /// partial sums, reduced in order, so the result does not depend on scheduling.
    static func convWeightGradient(_ dy: Tensor, _ x: Tensor, _ geo: ConvGeometry, outChannels o: Int) -> Tensor {
        if winogradApplies(geo, outChannels: o, batch: x.shape[0]) { return winogradWeightGradient(dy, x, geo, outChannels: o) }
        let n = x.shape[0], hw = geo.ho * geo.wo, ckk = geo.patch, chw = geo.c * geo.h * geo.w
        let (pg, px) = (dy.data, x.data)
        let g = geo.c_geometry
        if n < Parallel.threads {
            // Few images: split output channels across the cores (rows of dW are independent).
            let dw = Tensor(zeros: [o, ckk])
            let pdw = dw.data
            for i in 0..<n {
                parallelChunks(o, chunks: Parallel.threads) { _, o0, o1 in
                    if geo.isPointwise {
                        BLAS.gemm(transA: false, transB: true, m: o1 - o0, n: ckk, k: hw, a: pg + (i * o + o0) * hw, lda: hw,
                                  b: px + i * chw, ldb: hw, beta: 1, c: pdw + o0 * ckk, ldc: ckk)
                    } else {
                        let work = GemmWorkspace.acquire()
                        defer { GemmWorkspace.release(work) }
                        var gl = g
                        nn_conv_gemm_wgrad(&gl, pg + (i * o + o0) * hw, px + i * chw, Int64(o1 - o0), 1, pdw + o0 * ckk, work)
                    }
                }
            }
            return dw
        }
        let chunks = Parallel.threads
        let partial = Tensor(zeros: [chunks, o, ckk])
        let pp = partial.data
        parallelChunks(n, chunks: chunks) { chunk, lo, hi in
            let work = GemmWorkspace.acquire()
            defer { GemmWorkspace.release(work) }
            var gl = g
            for i in lo..<hi {
                if geo.isPointwise {
                    BLAS.gemm(transA: false, transB: true, m: o, n: ckk, k: hw, a: pg + i * o * hw, lda: hw,
                              b: px + i * chw, ldb: hw, beta: 1, c: pp + chunk * o * ckk, ldc: ckk)
                } else {
                    nn_conv_gemm_wgrad(&gl, pg + i * o * hw, px + i * chw, Int64(o), 1, pp + chunk * o * ckk, work)
                }
            }
        }
        return partial.sumAxisKeepingDim(0).reshaped([o, ckk])
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

/// Shapes of one conv2d; `raise` is im2col's adjoint (col2im into a zeroed gradient), used for
/// the input gradient of strided convolutions.
struct ConvGeometry {
    let c, h, w, kh, kw, sh, sw, ph, pw, ho, wo: Int

    /// A kh x kw window sliding with `stride` over an h x w input zero-padded by `padding`: the
    /// output size, checked (a window larger than the padded input would truncate towards zero and
    /// fake a 1-pixel output that reads past the input). `op` names the caller in the message.
    init(c: Int, h: Int, w: Int, kh: Int, kw: Int, stride: (Int, Int), padding: (Int, Int) = (0, 0), op: String) {
        let (sh, sw) = stride, (ph, pw) = padding
        precondition(h + 2 * ph >= kh && w + 2 * pw >= kw && sh > 0 && sw > 0,
                     "\(op): window \(kh)x\(kw) larger than the padded \(h)x\(w) input")
        self.init(c: c, h: h, w: w, kh: kh, kw: kw, sh: sh, sw: sw, ph: ph, pw: pw,
                  ho: (h + 2 * ph - kh) / sh + 1, wo: (w + 2 * pw - kw) / sw + 1)
    }

    init(c: Int, h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int, ho: Int, wo: Int) {
        (self.c, self.h, self.w, self.kh, self.kw, self.sh, self.sw, self.ph, self.pw, self.ho, self.wo) =
            (c, h, w, kh, kw, sh, sw, ph, pw, ho, wo)
    }
    var patch: Int { c * kh * kw }
    var isPointwise: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 }

    var c_geometry: nn_conv_geometry {
        nn_conv_geometry(C: Int64(c), H: Int64(h), W: Int64(w), KH: Int64(kh), KW: Int64(kw), sh: Int64(sh), sw: Int64(sw),
                         ph: Int64(ph), pw: Int64(pw), HO: Int64(ho), WO: Int64(wo))
    }

    func raise(_ dcol: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        nn_col2im(dcol, dx, Int64(c), Int64(h), Int64(w), Int64(kh), Int64(kw), Int64(sh), Int64(sw), Int64(ph),
                  Int64(pw), Int64(ho), Int64(wo))
    }
}
