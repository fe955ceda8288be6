import ArgumentParser
import CommandSupport
import Foundation
import Imaging
import Models
import NN
import Splat
import Tensor

/// `splat eval head.ply views/`: PSNR, SSIM and LPIPS (AlexNet, when its weights are installed) per view and mean.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Image quality of splats against a views folder: PSNR, SSIM, LPIPS per view and mean.")

    @Argument(help: "Splats (INRIA PLY).")
    var input: String

    @Argument(help: "Views folder with transforms.json.")
    var views: String

    @Option(help: "Background: white, black or R,G,B.")
    var background = BackgroundColour(argument: "white")!

    @Flag(help: "Print one JSON object (psnr, ssim, lpips, views).")
    var json = false

    func run() throws {
        let g: Gaussians, list: [DatasetView]
        do {
            g = try PLYFile.read(input)
            list = try ViewsDataset.read(folder: views, background: background.tuple)
        } catch { throw CommandFailure("\(error)") }
        var settings = RenderSettings()
        settings.background = background.rgb
        let quality = SplatEvaluation.evaluate(g, views: list, settings: settings)
        let lpips = try? LPIPS.pretrained(.alex)
        let perceptual: [Float]? = lpips.map { model in
            list.map { v in
                let r = Rasterizer.render(g, camera: v.camera, settings: settings)
                // LPIPS takes [-1, 1].
                let a = Image(width: r.width, height: r.height, channels: 3, pixels: r.rgb).tensor().unsqueezed(0) * 2 - 1
                return noGrad { model(a, v.image.tensor().unsqueezed(0) * 2 - 1).item() }
            }
        }
        let meanLPIPS = perceptual.map { $0.reduce(0, +) / Float(max($0.count, 1)) }
        if json {
            let perView = quality.views.enumerated().map { i, v -> [String: Any] in
                ["name": v.name, "psnr": v.psnr, "ssim": v.ssim, "lpips": perceptual.map { $0[i] as Any } ?? NSNull()]
            }
            try printJSON(["psnr": quality.psnr, "ssim": quality.ssim, "lpips": meanLPIPS.map { $0 as Any } ?? NSNull(), "views": perView])
            return
        }
        for (i, v) in quality.views.enumerated() {
            print(String(format: "%@  PSNR %.2f dB  SSIM %.4f", v.name, v.psnr, v.ssim) + (perceptual.map { String(format: "  LPIPS %.4f", $0[i]) } ?? ""))
        }
        print(String(format: "mean  PSNR %.2f dB  SSIM %.4f", quality.psnr, quality.ssim) + (meanLPIPS.map { String(format: "  LPIPS %.4f", $0) } ?? "  LPIPS n/a (run `orbit setup`)"))
    }
}
