import Foundation

/// What `splat fit` trains with: the 3DGS / gsplat defaults (Kerbl et al. 2023; gsplat's default
/// densification strategy), scaled where they depend on the scene's extent.
public struct TrainingConfig: Sendable {
    /// 3,500: with the rates and the low-resolution half below, held-out 33.14 dB on the bald synthetic
    /// 512x512 head in 1:29 and 32.65 dB on the long-haired one in 1:47 on two cores; 3DGS's 7,000 steps
    /// at its rates gave 34.12 and 32.89 dB in 5:00 and 6:17 (docs/BENCHMARKS.md, "Time to quality").
    public var iterations = 3500
    public var seed: UInt64 = 0
    public var loss = PhotometricLoss()
    /// Weight the photometric loss by each view's alpha (masked-out pixels do not count) instead of
    /// fitting the background colour they were composited on.
    public var alphaAsMask = false
    public var render = RenderSettings()

    // Initialisation: random inside the cameras' look-at volume (the seed paper's choice).
    public var initialGaussians = 20_000
    public var initialOpacity: Float = 0.1

    // Learning rates (Adam, eps 1e-15); the means' rate decays exponentially from `meanRate` to
    // `meanRateFinal` over the run and is multiplied by the scene extent. Twice 3DGS's rates (means
    // 1.6e-4, SH 2.5e-3, opacity 0.05, scale 5e-3, rotation 1e-3): on the seed-2 synthetic head at
    // 3,000 iterations, held out, 3DGS's rates gave 31.68 dB, twice them 32.10, three times (means
    // kept) 31.71 and four times 30.21 (docs/BENCHMARKS.md, "Time to quality").
    public var meanRate: Float = 3.2e-4, meanRateFinal: Float = 3.2e-6
    public var shRate: Float = 5e-3, shRestRate: Float = 5e-3 / 20
    public var opacityRate: Float = 0.1, scaleRate: Float = 1e-2, rotationRate: Float = 2e-3

    // Spherical harmonics: degree + 1 every `shInterval` steps up to `shDegree` (see `activeSHDegree`).
    public var shDegree = 3, shInterval = 1000

    // Densification (gsplat's default strategy), within the run as `densifies` says.
    public var refineFrom = 500, refineUntil = 15_000, refineEvery = 100
    /// Share of the run in which densification and opacity resets happen (3DGS: 15,000 of 30,000).
    public var densifyShare: Float = 0.5
    /// Threshold on the mean screen-space gradient norm (NDC units, as 3DGS measures it).
    public var gradientThreshold: Float = 2e-4
    /// Gaussians smaller than this fraction of the scene extent are cloned, larger ones split.
    public var cloneScaleFraction: Float = 0.01
    public var pruneOpacity: Float = 0.005
    public var resetOpacityEvery = 3000
    /// After the first opacity reset, Gaussians larger than this fraction of the extent are pruned.
    public var pruneScaleFraction: Float = 0.1
    public var maxGaussians = 1_000_000
    /// Coarse-to-fine image resolution (the idea of DashGaussian, as a fixed schedule): the first
    /// half of this share of the run trains on views downscaled by 4, the second half by 2, the rest
    /// at full size. 0: full size throughout. Half the run by default: on the seed-2 head the same
    /// 3,000 iterations reach the same held-out PSNR (31.68 dB) as at full size throughout, in less time.
    public var lowResolutionShare: Float = 0.5

    public init() {}

    // MARK: The schedule of a run of `iterations` steps
    //
    // Every schedule follows the run's length, so any iteration count gives a model at least as good
    // as a shorter run's: densification and opacity resets happen only in the first `densifyShare`
    // of the run (and before `refineUntil`), so at least the rest of the run (half, by default)
    // follows the last reset; densification starts at `refineFrom` or a quarter of its window,
    // whichever is sooner; all SH bands are on by the middle of the run.

    /// The first step after which densification stops.
    public var densifyUntil: Int { min(refineUntil, Int(Float(iterations) * densifyShare)) }
    var densifyFrom: Int { min(refineFrom, densifyUntil / 4) }

    /// Whether the trainer refines (clones, splits, prunes) after finishing step `step` (1-based).
    public func densifies(afterStep step: Int) -> Bool {
        step >= densifyFrom && step < densifyUntil && step % max(refineEvery, 1) == 0
    }

    /// Whether the trainer resets opacities after finishing step `step` (1-based).
    public func resetsOpacity(afterStep step: Int) -> Bool {
        step > 0 && step < densifyUntil && step % max(resetOpacityEvery, 1) == 0
    }

    /// Whether an opacity reset has happened by step `step` (oversized Gaussians are pruned after the first).
    public func hasResetOpacity(byStep step: Int) -> Bool {
        resetOpacityEvery < densifyUntil && step > resetOpacityEvery
    }

    /// The factor views are downscaled by at step `step` (0-based): 4, 2 or 1 (`lowResolutionShare`).
    public func downscale(atStep step: Int) -> Int {
        let t = Float(step) / Float(max(iterations, 1))
        return t < lowResolutionShare / 2 ? 4 : t < lowResolutionShare ? 2 : 1
    }

    /// SH degree in use at step `step` (0-based): one more band every `shInterval` steps, or sooner
    /// in a short run so that all bands train for its second half.
    public func activeSHDegree(atStep step: Int) -> Int {
        let interval = max(1, min(shInterval, iterations / (2 * max(shDegree, 1))))
        return min(shDegree, step / interval)
    }

    /// The seed paper's Eq. 6 without its LPIPS term: MSE + lambda_s (1 - SSIM). The LPIPS term is
    /// the trainer's `perceptual` (weight `Preset.seed.perceptualWeight`).
    public static var seedPreset: TrainingConfig {
        var c = TrainingConfig()
        c.loss = PhotometricLoss(pixelTerm: .mse, ssimWeight: 0.2)
        return c
    }

    /// Named settings (`splat fit --preset`).
    public enum Preset: String, CaseIterable, Sendable {
        /// The seed paper's Eq. 6: MSE + SSIM + LPIPS. The paper gives no weights: 0.8 MSE + 0.2 (1 - SSIM) + 0.1 LPIPS.
        case seed

        public var config: TrainingConfig { TrainingConfig.seedPreset }
        /// Weight of the LPIPS term when none is given.
        public var perceptualWeight: Float { 0.1 }
    }
}
