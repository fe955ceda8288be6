import Foundation

/// Image quality of splats against posed views: PSNR and SSIM (3DGS's window) per view and mean.
public struct SplatEvaluation: Sendable {
    public struct View: Sendable { public let name: String, psnr: Float, ssim: Float }
    public let views: [View]
    public var psnr: Float { views.map(\.psnr).reduce(0, +) / Float(max(views.count, 1)) }
    public var ssim: Float { views.map(\.ssim).reduce(0, +) / Float(max(views.count, 1)) }

    public static func evaluate(_ g: Gaussians, views: [DatasetView], settings: RenderSettings) -> SplatEvaluation {
        let metric = PhotometricLoss(pixelTerm: .mse, ssimWeight: 1)
        return SplatEvaluation(views: views.map { v in
            let r = Rasterizer.render(g, camera: v.camera, settings: settings)
            let value = metric.evaluate(rendered: r.rgb, target: v.image.pixels, width: r.width, height: r.height)
            return View(name: v.name, psnr: value.psnr, ssim: value.ssim)
        })
    }
}
