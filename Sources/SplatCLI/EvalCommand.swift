import ArgumentParser
import CommandSupport
import Foundation
import Models
import NN
import Splat

/// `splat eval head.ply views/`: PSNR, SSIM (the INRIA 3DGS training SSIM the fit optimises, not
/// `orbit compare`'s scikit-image one) and LPIPS (AlexNet, when its weights are installed) per view and mean.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Image quality of splats against a views folder: PSNR, SSIM (3DGS's), LPIPS per view and mean.")

    @Argument(help: "Splats (INRIA PLY, or .spz).")
    var input: String

    @Argument(help: "Views folder with transforms.json.")
    var views: String

    @OptionGroup var background: BackgroundOption

    @Flag(help: "Print one JSON object (psnr, ssim, lpips, views).")
    var json = false

    func run() throws {
        let g = try SplatFormat.read(input)
        let list = try ViewsDataset.read(folder: views, background: background.tuple)
        var settings = RenderSettings()
        settings.background = background.rgb
        // LPIPS when its weights are installed and the views are large enough for AlexNet; weights
        // that are there but unreadable are an error.
        let smallest = list.map { min($0.camera.width, $0.camera.height) }.min() ?? 0
        let lpips = smallest >= LPIPS.minimumSide ? try WeightStore.ifInstalled { try LPIPS.pretrained(.alex) } : nil
        let lpipsMissing = smallest >= LPIPS.minimumSide ? "run `orbit setup`" : "views under \(LPIPS.minimumSide) px"
        let quality = SplatEvaluation.evaluate(g, views: list, settings: settings, perceptual: lpips.map(SplatEvaluation.lpipsDistance))
        if json {
            let perView = quality.views.map { v -> [String: Any] in
                ["name": v.name, "psnr": v.psnr, "ssim": v.ssim, "lpips": v.perceptual.map { $0 as Any } ?? NSNull()]
            }
            try printJSON(["psnr": quality.psnr, "ssim": quality.ssim, "lpips": quality.perceptual.map { $0 as Any } ?? NSNull(),
                           "views": perView])
            return
        }
        for v in quality.views {
            print(String(format: "%@  PSNR %.2f dB  SSIM %.4f", v.name, v.psnr, v.ssim) + (v.perceptual.map { String(format: "  LPIPS %.4f", $0) } ?? ""))
        }
        print(String(format: "mean  PSNR %.2f dB  SSIM %.4f", quality.psnr, quality.ssim)
              + (quality.perceptual.map { String(format: "  LPIPS %.4f", $0) } ?? "  LPIPS n/a (\(lpipsMissing))"))
    }
}
