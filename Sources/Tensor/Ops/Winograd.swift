import ShadersCPU

// Winograd F(2x2, 3x3) convolution (Shaders-CPU/nn_winograd.c): 2.25x fewer multiplies than the
// direct method for stride-1 3x3 convolutions, the UNet's most common layer. Per image:
//   V[16, C, T] = input transform (T = 2x2 output tiles),
//   M^T[p] [T, O] = V[p]^T [T, C] x U^T[p] [C, O] for the 16 positions p (U^T packed once per call),
//   y[O, HO, WO] = output transform of M (+ bias).

extension Tensor {
    /// Whether the Winograd path serves this convolution: 3x3, stride 1, and enough channels for
    /// the 16 GEMMs to outweigh the transforms (measured: the input conv with C = 3 is faster direct).
    static func winogradApplies(_ geo: ConvGeometry, outChannels o: Int) -> Bool {
        geo.kh == 3 && geo.kw == 3 && geo.sh == 1 && geo.sw == 1 && geo.c >= 16 && o >= 16
    }

    /// y [N, O, HO, WO] = conv(x, w) + bias by Winograd F(2x2, 3x3); no recording.
    static func winogradConv(_ x: Tensor, _ w: Tensor, _ geo: ConvGeometry, outChannels o: Int, bias: Tensor?) -> Tensor {
        let n = x.shape[0], c = geo.c, chw = c * geo.h * geo.w
        let tilesY = (geo.ho + 1) / 2, tilesX = (geo.wo + 1) / 2, t = tilesY * tilesX
        let out = Tensor.uninitialized([n, o, geo.ho, geo.wo])
        let (px, po) = (x.data, out.data)
        let pb = bias?.data

        // U^T per position, packed as the B operand of each of the 16 GEMMs.
        let ut = UnsafeMutablePointer<Float>.allocate(capacity: 16 * c * o)
        defer { ut.deallocate() }
        nn_winograd_weight(w.data, ut, Int64(o), Int64(c))
        let psize = BLAS.packedBFloats(k: c, n: o)
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: 16 * psize)
        defer { packed.deallocate() }
        parallelFor(16) { lo, hi in
            for p in lo..<hi { BLAS.packB(transB: false, k: c, n: o, b: ut + p * c * o, ldb: o, into: packed + p * psize) }
        }

        func inputTransform(_ i: Int, _ v: UnsafeMutablePointer<Float>, _ c0: Int, _ c1: Int) {
            nn_winograd_input(px + i * chw, v, Int64(c), Int64(geo.h), Int64(geo.w), Int64(geo.ph), Int64(geo.pw),
                              Int64(tilesY), Int64(tilesX), Int64(c0), Int64(c1))
        }
        func products(_ v: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ p0: Int, _ p1: Int) {
            for p in p0..<p1 {
                BLAS.gemm(transA: true, m: t, n: o, k: c, a: v + p * c * t, lda: t, prepackedB: packed + p * psize,
                          c: m + p * t * o, ldc: o)
            }
        }
        func outputTransform(_ i: Int, _ m: UnsafeMutablePointer<Float>, _ t0: Int, _ t1: Int) {
            nn_winograd_output(m, pb, po + i * o * geo.ho * geo.wo, Int64(o), Int64(geo.ho), Int64(geo.wo),
                               Int64(tilesY), Int64(tilesX), Int64(t0), Int64(t1))
        }

        if n >= Parallel.threads {
            parallelFor(n) { lo, hi in
                let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * c * t)
                let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * t * o)
                defer { v.deallocate(); m.deallocate() }
                for i in lo..<hi {
                    inputTransform(i, v, 0, c)
                    products(v, m, 0, 16)
                    outputTransform(i, m, 0, t)
                }
            }
        } else {
            // Few images: each stage split across the cores.
            let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * c * t)
            let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * t * o)
            defer { v.deallocate(); m.deallocate() }
            for i in 0..<n {
                parallelFor(c, grain: 8) { lo, hi in inputTransform(i, v, lo, hi) }
                parallelFor(16) { lo, hi in products(v, m, lo, hi) }
                parallelFor(t, grain: 16) { lo, hi in outputTransform(i, m, lo, hi) }
            }
        }
        return out
    }
}
