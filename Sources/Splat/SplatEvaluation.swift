import Foundation

/// Image quality of splats against posed views: PSNR and SSIM per view and mean, and optionally a
/// perceptual distance (LPIPS) from the same renders. The SSIM is the INRIA 3DGS one the trainer
/// optimises (`PhotometricLoss.inriaSSIM`), not scikit-image's (`ImageMetrics.scikitSSIM`, what
/// `orbit compare` and `orbit evaluate` report): compare SSIMs only within one of the two.
public struct SplatEvaluation: Sendable {
    public struct View: Sendable { public let name: String, psnr: Float, ssim: Float, perceptual: Float? }
    public let views: [View]
    public var psnr: Float { mean(views.map(\.psnr)) }
    public var ssim: Float { mean(views.map(\.ssim)) }
    /// Mean perceptual distance, nil when it was not measured.
    public var perceptual: Float? { views.contains { $0.perceptual == nil } ? nil : mean(views.compactMap(\.perceptual)) }

    func mean(_ values: [Float]) -> Float { values.reduce(0, +) / Float(max(values.count, 1)) }

    /// Renders each view once; `perceptual(rendered, target, width, height)` sees [H, W, 3] images in [0, 1].
    public static func evaluate(_ g: Gaussians, views: [DatasetView], settings: RenderSettings,
                                perceptual: (([Float], [Float], Int, Int) -> Float)? = nil) -> SplatEvaluation {
        let metric = PhotometricLoss(pixelTerm: .mse, ssimWeight: 1)
        return SplatEvaluation(views: views.map { v in
            let r = Rasterizer.render(g, camera: v.camera, settings: settings)
            let value = metric.evaluate(rendered: r.rgb, target: v.image.pixels, width: r.width, height: r.height)
            return View(name: v.name, psnr: value.psnr, ssim: value.ssim,
                        perceptual: perceptual?(r.rgb, v.image.pixels, r.width, r.height))
        })
    }
}
