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
/// MSE in place of L1 (the seed paper's Eq. 6), on [H, W, 3] images; SSIM by the fused kernel.
public struct PhotometricLoss: Sendable {
    public enum PixelTerm: String, Sendable { case l1, mse }
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
    public func evaluate(rendered: [Float], target: [Float], width: Int, height: Int, mask: [Float]? = nil) -> Value {
        let n = width * height, count = 3 * n
        precondition(rendered.count == count && target.count == count, "images must be [H, W, 3]")
        precondition(mask == nil || mask!.count == n, "the mask must be [H, W]")
        var gradient = [Float](repeating: 0, count: count)
        let weightSum = mask.map { 3 * Double($0.reduce(0, +)) } ?? Double(count)
        guard weightSum > 0 else { return Value(loss: 0, pixel: 0, ssim: 1, mse: 0, gradient: gradient) }
        let normaliser = Float(weightSum)
        var absSum = 0.0, squareSum = 0.0
        let lambda = ssimWeight
        for p in 0..<n {
            let w = mask?[p] ?? 1
            for i in (3 * p)..<(3 * p + 3) {
                let d = rendered[i] - target[i]
                absSum += Double(w * Swift.abs(d))
                squareSum += Double(w * d * d)
                gradient[i] = w * (1 - lambda) * (pixelTerm == .l1 ? (d > 0 ? 1 : (d < 0 ? -1 : 0)) : 2 * d) / normaliser
            }
        }
        let mse = Float(squareSum / weightSum)
        let pixel = pixelTerm == .l1 ? Float(absSum / weightSum) : mse
        var ssim: Float = 1
        if lambda > 0 {
            let (x, y) = (Self.planar(rendered, n), Self.planar(target, n))
            let (weightedSum, dx) = Self.ssimSum(x, y, width: width, height: height, weight: mask, scale: -lambda / normaliser)
            ssim = Float(weightedSum / weightSum)
            for p in 0..<n { for c in 0..<3 { gradient[p * 3 + c] += dx[c * n + p] } }
        }
        return Value(loss: (1 - lambda) * pixel + lambda * (1 - ssim), pixel: pixel, ssim: ssim, mse: mse, gradient: gradient)
    }

    static func planar(_ hwc: [Float], _ n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * n)
        for p in 0..<n { for c in 0..<3 { out[c * n + p] = hwc[p * 3 + c] } }
        return out
    }

    /// Mean SSIM of planar [3, H, W] images and d(scale x sum of the map)/dx.
    public static func ssim(_ x: [Float], _ y: [Float], width: Int, height: Int, scale: Float) -> (Float, [Float]) {
        let (sum, dx) = ssimSum(x, y, width: width, height: height, weight: nil, scale: scale)
        return (Float(sum / Double(x.count)), dx)
    }

    /// The sum of the SSIM map of planar [planes, H, W] images, each pixel weighted by `weight` ([H, W],
    /// nil: 1), and d(scale x that sum)/dx.
    static func ssimSum(_ x: [Float], _ y: [Float], width: Int, height: Int, weight: [Float]?, scale: Float) -> (Double, [Float]) {
        let n = width * height, planes = x.count / n
        var saved = [Float](repeating: 0, count: 5 * x.count), sums = [Double](repeating: 0, count: planes)
        var dx = [Float](repeating: 0, count: x.count)
        saved.withUnsafeMutableBufferPointer { s in sums.withUnsafeMutableBufferPointer { m in dx.withUnsafeMutableBufferPointer { d in
            let (ps, pm, pd) = (s.baseAddress!, m.baseAddress!, d.baseAddress!)
            parallelFor(planes, chunk: 1) { lo, hi in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * n + width + 10)
                defer { scratch.deallocate() }
                weight.withOptionalBuffer { w in
                    gs_ssim_fwd(x, y, w, Int64(height), Int64(width), Int64(lo), Int64(hi), ps, scratch, pm)
                    gs_ssim_bwd(x, y, w, Int64(height), Int64(width), Int64(lo), Int64(hi), ps, scale, scratch, pd)
                }
            }
        } } }
        return (sums.reduce(0, +), dx)
    }
}
