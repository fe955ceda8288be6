import Foundation
import ShadersCPU

// Winograd F(2x2, 3x3) convolution (Shaders-CPU/nn_winograd.c): 2.25x fewer multiplies than the
// direct method for stride-1 3x3 convolutions, the UNet's most common layer. Per image:
//   V[16, C, T] = input transform (T = 2x2 output tiles),
//   M^T[p] [T, O] = V[p]^T [T, C] x U^T[p] [C, O] for the 16 positions p (U^T packed once per call),
//   y[O, HO, WO] = output transform of M (+ bias), written channels-last and transposed.

/// Which convolutions take the Winograd path: `auto` (the measured rule below), `always` (every
/// 3x3 stride-1 convolution; tests use it to exercise the path on small inputs) or `never`.
/// ORBIT_WINOGRAD=auto|always|never sets the start value.
public enum ConvolutionPolicy {
    public enum Mode: String, Sendable { case auto, always, never }
    public nonisolated(unsafe) static var winograd: Mode =
        Mode(rawValue: ProcessInfo.processInfo.environment["ORBIT_WINOGRAD"] ?? "") ?? .auto
}

extension Tensor {
    /// Whether the Winograd path serves this convolution: 3x3, stride 1, and enough work per call
    /// for the 16 GEMMs' saving to outweigh the transforms. Measured, one image, median of 7
    /// (Winograd vs direct): 256->256 at 31x31 (256 tiles) 8.9 vs 11.9 ms, 384->192 at 31x31 5.5 vs
    /// 7.1, 256->256 at 15x15 (64 tiles) 2.6-4.0 vs 4.5, but 256->256 at 8x8 (16 tiles) 1.4 vs
    /// 1.0, 64->64 at 16x16 equal, 32->32 at 32x32 0.4 vs 0.3: hence C*O >= 4096 and >= 64 tiles.
    static func winogradApplies(_ geo: ConvGeometry, outChannels o: Int, batch n: Int) -> Bool {
        guard geo.kh == 3 && geo.kw == 3 && geo.sh == 1 && geo.sw == 1 else { return false }
        switch ConvolutionPolicy.winograd {
        case .never: return false
        case .always: return true
        case .auto:
            let tiles = ((geo.ho + 1) / 2) * ((geo.wo + 1) / 2)
            return geo.c >= 16 && o >= 16 && geo.c * o >= 4096 && n * tiles >= 64
        }
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
        parallelFor(c, grain: 8) { c0, c1 in nn_winograd_weight(w.data, ut, Int64(o), Int64(c), Int64(c0), Int64(c1)) }
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
        let hw = geo.ho * geo.wo
        func outputTransform(_ m: UnsafeMutablePointer<Float>, _ yl: UnsafeMutablePointer<Float>, _ t0: Int, _ t1: Int) {
            nn_winograd_output(m, pb, yl, Int64(o), Int64(geo.ho), Int64(geo.wo), Int64(tilesY), Int64(tilesX),
                               Int64(t0), Int64(t1))
        }
        func transpose(_ i: Int, _ yl: UnsafeMutablePointer<Float>, _ r0: Int, _ r1: Int) {
            nn_transpose(yl, po + i * o * hw, Int64(hw), Int64(o), Int64(r0), Int64(r1))
        }

        if n >= Parallel.threads {
            // Per-chunk scratch allocated on this thread (main heap, reused; not worker-arena mmaps).
            let chunks = Parallel.threads, per = 16 * c * t + 16 * t * o + hw * o
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * per)
            defer { scratch.deallocate() }
            parallelChunks(n, chunks: chunks) { chunk, lo, hi in
                let v = scratch + chunk * per, m = v + 16 * c * t, yl = m + 16 * t * o
                for i in lo..<hi {
                    inputTransform(i, v, 0, c)
                    products(v, m, 0, 16)
                    outputTransform(m, yl, 0, t)
                    transpose(i, yl, 0, hw)
                }
            }
        } else {
            // Few images: each stage split across the cores.
            let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * c * t)
            let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * t * o)
            let yl = UnsafeMutablePointer<Float>.allocate(capacity: hw * o)
            defer { v.deallocate(); m.deallocate(); yl.deallocate() }
            for i in 0..<n {
                parallelFor(c, grain: 8) { lo, hi in inputTransform(i, v, lo, hi) }
                parallelFor(16) { lo, hi in products(v, m, lo, hi) }
                parallelFor(t, grain: 16) { lo, hi in outputTransform(m, yl, lo, hi) }
                parallelFor((hw + 15) / 16) { lo, hi in transpose(i, yl, lo * 16, Swift.min(hw, hi * 16)) }
            }
        }
        return out
    }

    /// dw [O, C*9] = d(loss)/d(weight) by Winograd: du[p] [O, C] = sum over images and tiles of
    /// dM[p] [O, T] x V[p]^T [T, C], then dw = G^T du G. Fixed chunks of images with their own
    /// partial du, reduced in order (deterministic).
    static func winogradWeightGradient(_ dy: Tensor, _ x: Tensor, _ geo: ConvGeometry, outChannels o: Int) -> Tensor {
        let n = x.shape[0], c = geo.c, chw = c * geo.h * geo.w, hw = geo.ho * geo.wo
        let tilesY = (geo.ho + 1) / 2, tilesX = (geo.wo + 1) / 2, t = tilesY * tilesX
        let chunks = Swift.min(n, Parallel.threads)
        let partial = Tensor(zeros: [chunks, 16 * o * c])
        let (px, pg, pp) = (x.data, dy.data, partial.data)
        // With one chunk (few images) each stage is split across the cores instead.
        let inner = chunks == 1 ? Parallel.threads : 1
        let per = 16 * c * t + 16 * o * t  // scratch per chunk, allocated on this thread
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * per)
        defer { scratch.deallocate() }
        parallelChunks(n, chunks: chunks) { chunk, lo, hi in
            let v = scratch + chunk * per, dm = v + 16 * c * t
            let du = pp + chunk * 16 * o * c
            for i in lo..<hi {
                parallelChunks(c, chunks: inner) { _, c0, c1 in
                    nn_winograd_input(px + i * chw, v, Int64(c), Int64(geo.h), Int64(geo.w), Int64(geo.ph), Int64(geo.pw),
                                      Int64(tilesY), Int64(tilesX), Int64(c0), Int64(c1))
                }
                parallelChunks(o, chunks: inner) { _, o0, o1 in
                    nn_winograd_grad_output(pg + i * o * hw, dm, Int64(o), Int64(geo.ho), Int64(geo.wo), Int64(tilesY),
                                            Int64(tilesX), Int64(o0), Int64(o1))
                }
                parallelChunks(16, chunks: inner) { _, p0, p1 in
                    for p in p0..<p1 {
                        BLAS.gemm(transA: false, transB: true, m: o, n: c, k: t, a: dm + p * o * t, lda: t,
                                  b: v + p * c * t, ldb: t, beta: 1, c: du + p * o * c, ldc: c)
                    }
                }
            }
        }
        let du = partial.sumAxisKeepingDim(0)
        let dw = Tensor.uninitialized([o, c * 9])
        nn_winograd_grad_weight(du.data, dw.data, Int64(o), Int64(c))
        return dw
    }
}
