import Foundation
import Tensor

/// Image-quality metrics with gradients, as scikit-image defines them: what `orbit compare`, `orbit
/// evaluate generator` and `orbit evaluate vae` report.
/// The splat side (the trainer's loss, `splat eval`, `splat fit`'s held-out line, `orbit reconstruct`'s
/// report) uses the INRIA 3DGS SSIM instead (Splat's `PhotometricLoss.inriaSSIM`: zero padding, the
/// whole map averaged), which gives different numbers for the same images.
public enum ImageMetrics {
    /// Normalised Gaussian taps exp(-x^2 / 2 sigma^2) for |x| <= int(truncate * sigma + 0.5)
    /// (scipy.ndimage.gaussian_filter's window; 11 taps for sigma 1.5).
    public static func gaussianTaps(sigma: Float = 1.5, truncate: Float = 3.5) -> [Float] {
        let radius = Int(truncate * sigma + 0.5)
        let raw = (-radius...radius).map { x -> Double in Foundation.exp(-Double(x * x) / (2 * Double(sigma * sigma))) }
        let total = raw.reduce(0, +)
        return raw.map { Float($0 / total) }
    }

    /// The smallest side scikit-image's SSIM is defined on (its 11-tap window; skimage raises below it).
    public static var scikitSSIMMinimumSide: Int { gaussianTaps().count }

    /// scikit-image's mean SSIM (Wang et al. 2004) of x and y, [C, H, W] or [N, C, H, W], as
    /// skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
    /// use_sample_covariance=False, data_range=dataRange, channel_axis=...): Gaussian-weighted local
    /// statistics, C1 = (0.01 R)^2, C2 = (0.03 R)^2, the map averaged away from a 5-pixel border,
    /// then over channels (and images). Differentiable in both inputs.
    public static func scikitSSIM(_ x: Tensor, _ y: Tensor, dataRange: Float = 1) -> Tensor {
        precondition(x.shape == y.shape && (x.rank == 3 || x.rank == 4), "ssim needs equal [C, H, W] or [N, C, H, W] shapes, got \(x.shape) and \(y.shape)")
        let taps = gaussianTaps()
        let c1 = (0.01 * dataRange) * (0.01 * dataRange), c2 = (0.03 * dataRange) * (0.03 * dataRange)
        func blur(_ t: Tensor) -> Tensor { t.separableFilter(taps) }
        let (ux, uy) = (blur(x), blur(y))
        let vx = blur(x * x) - ux * ux, vy = blur(y * y) - uy * uy, vxy = blur(x * y) - ux * uy
        let numerator = (ux * uy * 2 + c1) * (vxy * 2 + c2)
        let denominator = (ux * ux + uy * uy + c1) * (vx + vy + c2)
        return (numerator / denominator).mean()
    }

    /// Peak signal-to-noise ratio in dB, 10 log10(R^2 / MSE) (skimage peak_signal_noise_ratio);
    /// +infinity for identical inputs. MSE accumulates in double.
    public static func psnr(_ x: Tensor, _ y: Tensor, dataRange: Float = 1) -> Double {
        precondition(x.shape == y.shape, "psnr needs equal shapes, got \(x.shape) and \(y.shape)")
        let a = x.toArray(), b = y.toArray()
        var sum = 0.0
        for i in 0..<a.count { let d = Double(a[i]) - Double(b[i]); sum += d * d }
        let mse = sum / Double(max(a.count, 1))
        return mse == 0 ? .infinity : 10 * Foundation.log10(Double(dataRange * dataRange) / mse)
    }
}
