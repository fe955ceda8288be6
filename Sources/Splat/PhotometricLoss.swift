import Foundation
import ShadersCPU
import Tensor

extension Optional where Wrapped == [Float] {
    /// The array's base address, or nil, for a C argument that may be NULL.
    func withOptionalBuffer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let array): return array.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}

/// The 3DGS image loss, (1 - lambda) L1 + lambda (1 - SSIM) (Kerbl et al. 2023, lambda 0.2), or with
/// MSE in place of L1 (the seed paper's Eq. 6), on [H, W, 3] images.
///
/// Its SSIM is the INRIA 3DGS training SSIM (`inriaSSIM`, the fused `gs_ssim` kernel): an 11x11
/// Gaussian window (sigma 1.5) with zero padding, C1 = 0.01^2, C2 = 0.03^2, the map averaged over
/// every pixel, borders included. It is not Imaging's `ImageMetrics.scikitSSIM` (scikit-image's, which
/// averages away from a 5-pixel border): the two give different numbers for the same images.
/// The splat trainer, `splat eval`, `splat fit`'s held-out line and `orbit reconstruct`'s report use this one.
public struct PhotometricLoss: Sendable {
    public enum PixelTerm: String, CaseIterable, Sendable { case l1, mse }
    public var pixelTerm: PixelTerm = .l1
    public var ssimWeight: Float = 0.2

    public init(pixelTerm: PixelTerm = .l1, ssimWeight: Float = 0.2) { (self.pixelTerm, self.ssimWeight) = (pixelTerm, ssimWeight) }

    public struct Value: Sendable {
        public let loss: Float, pixel: Float, ssim: Float, mse: Float
        /// d loss / d rendered, [H, W, 3].
        public let gradient: [Float]
        public var psnr: Float { 10 * log10(1 / max(mse, 1e-12)) }
    }

    /// The loss of `rendered` against `target` ([H, W, 3]); with `mask` ([H, W] weights in [0, 1], the
    /// views' alpha) every term is a mean weighted by it, so masked-out pixels do not count.
    /// Spread over the cores in fixed chunks of rows (sums reduced in chunk order: the same value
    /// for any thread count).
    public func evaluate(rendered: [Float], target: [Float], width: Int, height: Int, mask: [Float]? = nil) -> Value {
        let n = width * height, count = 3 * n
        precondition(rendered.count == count && target.count == count, "images must be [H, W, 3]")
        precondition(mask == nil || mask!.count == n, "the mask must be [H, W]")
        let weightSum = mask.map { 3 * Double($0.reduce(0, +)) } ?? Double(count)
        guard weightSum > 0 else {
            return Value(loss: 0, pixel: 0, ssim: 1, mse: 0, gradient: [Float](repeating: 0, count: count))
        }
        let normaliser = Float(weightSum), lambda = ssimWeight
        var ssim: Float = 1
        var ssimGradient: [Float]?
        if lambda > 0 {
            let (x, y) = (Self.planar(rendered, n), Self.planar(target, n))
            let (weightedSum, dx) = Self.ssimSum(x, y, width: width, height: height, weight: mask, scale: -lambda / normaliser)
            ssim = Float(weightedSum / weightSum)
            ssimGradient = dx
        }
        // The pixel term and its gradient, plus the SSIM gradient (planar) in the same pass.
        let chunks = Self.rowChunks(height)
        var absSums = [Double](repeating: 0, count: chunks), squareSums = [Double](repeating: 0, count: chunks)
        let isL1 = pixelTerm == .l1
        let gradient = [Float](unsafeUninitializedCapacity: count) { g, initialised in
            let pg = g.baseAddress!
            absSums.withUnsafeMutableBufferPointer { a in squareSums.withUnsafeMutableBufferPointer { q in
                let (pa, pq) = (a.baseAddress!, q.baseAddress!)
                parallelChunks(height, chunks: chunks) { chunk, y0, y1 in
                    var absSum = 0.0, squareSum = 0.0
                    for p in (y0 * width)..<(y1 * width) {
                        let w = mask?[p] ?? 1
                        for c in 0..<3 {
                            let i = 3 * p + c, d = rendered[i] - target[i]
                            absSum += Double(w * Swift.abs(d))
                            squareSum += Double(w * d * d)
                            pg[i] = w * (1 - lambda) * (isL1 ? (d > 0 ? 1 : (d < 0 ? -1 : 0)) : 2 * d) / normaliser
                                + (ssimGradient?[c * n + p] ?? 0)
                        }
                    }
                    (pa[chunk], pq[chunk]) = (absSum, squareSum)
                }
            } }
            initialised = count
        }
        let mse = Float(squareSums.reduce(0, +) / weightSum)
        let pixel = isL1 ? Float(absSums.reduce(0, +) / weightSum) : mse
        return Value(loss: (1 - lambda) * pixel + lambda * (1 - ssim), pixel: pixel, ssim: ssim, mse: mse, gradient: gradient)
    }

    /// Row chunks for the parallel passes: fixed by the image height, not the thread count.
    static func rowChunks(_ height: Int) -> Int { max(1, min(16, height)) }

    /// [H, W, 3] -> [3, H, W].
    static func planar(_ hwc: [Float], _ n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: 3 * n) { out, initialised in
            let po = out.baseAddress!
            hwc.withUnsafeBufferPointer { src in
                let ps = src.baseAddress!
                parallelFor(n, grain: 1 << 14) { lo, hi in
                    for p in lo..<hi { for c in 0..<3 { po[c * n + p] = ps[p * 3 + c] } }
                }
            }
            initialised = 3 * n
        }
    }

    /// The INRIA 3DGS SSIM (see the type's doc) of planar [3, H, W] images in [0, 1], and
    /// d(scale x sum of the map)/dx.
    public static func inriaSSIM(_ x: [Float], _ y: [Float], width: Int, height: Int, scale: Float) -> (Float, [Float]) {
        let (sum, dx) = ssimSum(x, y, width: width, height: height, weight: nil, scale: scale)
        return (Float(sum / Double(x.count)), dx)
    }

    /// Rows per SSIM band: 3 colour planes of a 512-pixel image make 12 bands, even work for 2-4 cores.
    public static let ssimBandRows = 128

    /// The sum of the SSIM map of planar [planes, H, W] images, each pixel weighted by `weight` ([H, W],
    /// nil: 1), and d(scale x that sum)/dx. Bands of rows of every plane over the cores: all forwards,
    /// then all backwards (a band's backward reads its neighbours' saved moments).
    static func ssimSum(_ x: [Float], _ y: [Float], width: Int, height: Int, weight: [Float]?, scale: Float) -> (Double, [Float]) {
        let n = width * height, planes = x.count / n
        let bandsPerPlane = (height + ssimBandRows - 1) / ssimBandRows, bands = planes * bandsPerPlane
        let bandRows = (height + bandsPerPlane - 1) / bandsPerPlane
        let saved = UnsafeMutablePointer<Float>.allocate(capacity: 5 * x.count)
        defer { saved.deallocate() }
        var sums = [Double](repeating: 0, count: bands)
        let dx = [Float](unsafeUninitializedCapacity: x.count) { d, initialised in
            let pd = d.baseAddress!
            sums.withUnsafeMutableBufferPointer { m in
                let pm = m.baseAddress!
                weight.withOptionalBuffer { w in
                    // One scratch per chunk of bands, sized for the backward (the larger).
                    func overBands(_ body: @escaping (Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
                        parallelChunks(bands, chunks: Parallel.threads) { _, lo, hi in
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (5 * bandRows + 41) * width + 10)
                            defer { scratch.deallocate() }
                            for band in lo..<hi {
                                let (p, r0) = (band / bandsPerPlane, (band % bandsPerPlane) * bandRows)
                                body(band, p, r0, min(height, r0 + bandRows), scratch)
                            }
                        }
                    }
                    overBands { band, p, r0, r1, scratch in
                        gs_ssim_fwd(x, y, w, Int64(height), Int64(width), Int64(p), Int64(r0), Int64(r1), saved, scratch, pm + band)
                    }
                    overBands { _, p, r0, r1, scratch in
                        gs_ssim_bwd(x, y, w, Int64(height), Int64(width), Int64(p), Int64(r0), Int64(r1), saved, scale, scratch, pd)
                    }
                }
            }
            initialised = x.count
        }
        return (sums.reduce(0, +), dx)
    }
}
