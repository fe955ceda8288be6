import Foundation
import Imaging
import Models
import NN
import Tensor

/// `orbit evaluate vae`: reconstruction quality of the generator's VAE on held-out orbits. Every view is
/// encoded (latent mean) and decoded in clips of `chunk` consecutive views in orbit order, as
/// `orbit generate` decodes; PSNR and SSIM on [0, 1] (scikit-image's definitions; `ImageMetrics.scikitSSIM`) and LPIPS (AlexNet).
public struct VAEEvaluation {
    public let vae: AutoencoderKLTemporalDecoder
    public var chunk = 8
    let lpips: LPIPS

    public init(directory: String) throws {
        vae = try AutoencoderKLTemporalDecoder.load(directory: directory).frozen()
        lpips = try LPIPS.pretrained(.alex)
    }

    /// Means over every view of the sets: (psnr, ssim, lpips, views).
    public func evaluate(_ sets: [ImageSetReference], progress: (Int, Int) -> Void) throws -> (psnr: Double, ssim: Double, lpips: Double, views: Int) {
        var (psnr, ssim, perceptual, views) = (0.0, 0.0, 0.0, 0)
        for (i, set) in sets.enumerated() {
            for start in stride(from: 0, to: 96, by: chunk) {
                let x = Tensor.concat(try (start..<min(start + chunk, 96)).map { try set.view($0).unsqueezed(0) }, axis: 0)
                let r = noGrad { vae.decoder(vae.encoder(x).mean, frames: x.shape[0]) }
                for k in 0..<x.shape[0] {
                    let (a, b) = ((r.slice(axis: 0, k..<(k + 1)) + 1) * 0.5, (x.slice(axis: 0, k..<(k + 1)) + 1) * 0.5)
                    psnr += ImageMetrics.psnr(a, b)
                    ssim += Double(noGrad { ImageMetrics.scikitSSIM(a.reshaped([3, a.shape[2], a.shape[3]]), b.reshaped([3, b.shape[2], b.shape[3]])) }.item())
                    perceptual += Double(noGrad { lpips(a * 2 - 1, b * 2 - 1) }.item())
                    views += 1
                }
            }
            progress(i + 1, sets.count)
        }
        let n = Double(max(views, 1))
        return (psnr / n, ssim / n, perceptual / n, views)
    }
}
