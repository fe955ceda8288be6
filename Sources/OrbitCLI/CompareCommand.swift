import ArgumentParser
import CommandSupport
import Foundation
import Imaging
import Models
import Pipeline
import Tensor

/// `orbit compare a.png b.png`: PSNR, SSIM (scikit-image's, `ImageMetrics.scikitSSIM`), LPIPS (AlexNet
/// and VGG) and identity similarity (SFace cosine of the aligned faces; null when either image has no face).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Image quality (PSNR, scikit-image's SSIM, LPIPS) and identity similarity of two images of the same size.")

    @Argument(help: "First image.")
    var first: String

    @Argument(help: "Second image.")
    var second: String

    @Flag(help: "Print one JSON object (psnr, ssim, lpips_alex, lpips_vgg, id).")
    var json = false

    func run() throws {
        let (a, b) = (try ImageIO.read(first).compositedRGB(), try ImageIO.read(second).compositedRGB())
        guard a.width == b.width, a.height == b.height else {
            throw CommandFailure("\(first) is \(a.width)x\(a.height) but \(second) is \(b.width)x\(b.height): sizes must match")
        }
        let (ta, tb) = (a.tensor(), b.tensor())
        let psnr = ImageMetrics.psnr(ta, tb)
        let ssim = noGrad { ImageMetrics.scikitSSIM(ta, tb) }.item()
        let lpips = try LPIPS.Backbone.allCases.map { backbone -> Float in
            let model = try LPIPS.pretrained(backbone)
            return noGrad { model((ta * 2 - 1).unsqueezed(0), (tb * 2 - 1).unsqueezed(0)) }.item()
        }
        let faces = try FaceAnalysis.pretrained()
        var identity: Float?
        if let fa = faces.analyse(a), let fb = faces.analyse(b) {
            let sface = try SFace.pretrained()
            let ea = FaceAnalysis.embedding(fa.aligned, model: sface), eb = FaceAnalysis.embedding(fb.aligned, model: sface)
            identity = 1 - identityDistance(ea, eb).item()
        }
        if json {
            let object: [String: Any] = ["psnr": psnr.isFinite ? psnr : "inf", "ssim": ssim, "lpips_alex": lpips[0],
                                         "lpips_vgg": lpips[1], "id": identity.map { $0 as Any } ?? NSNull()]
            try printJSON(object)
            return
        }
        print(String(format: "PSNR %.3f dB  SSIM %.5f  LPIPS alex %.5f  vgg %.5f", psnr, ssim, lpips[0], lpips[1]))
        print(identity.map { String(format: "identity (SFace cosine) %.4f", $0) } ?? "identity: no face in one of the images")
    }
}
