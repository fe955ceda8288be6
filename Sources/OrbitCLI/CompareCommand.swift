import ArgumentParser
import CommandSupport
import Foundation
import Imaging
import Models
import Pipeline
import Tensor

/// `orbit compare a.png b.png`: PSNR, SSIM (scikit-image's, `ImageMetrics.scikitSSIM`), LPIPS (AlexNet
/// and VGG) and identity similarity (SFace cosine of the aligned faces; null when either image has no face).
/// SSIM and LPIPS are null for images smaller than their windows (11 and 32 px a side).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Image quality (PSNR, scikit-image's SSIM, LPIPS) and identity similarity of two images of the same size.")

    @Argument(help: "First image.")
    var first: String

    @Argument(help: "Second image.")
    var second: String

    @Option(help: "Largest image (pixels) compared; LPIPS-VGG at full resolution needs about 6 GB per megapixel.")
    var maxPixels = 1 << 20

    @Flag(help: "Print one JSON object (psnr, ssim, lpips_alex, lpips_vgg, id).")
    var json = false

    func validate() throws {
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
    }

    func run() throws {
        let (a, b) = (try ImageIO.read(first).compositedRGB(), try ImageIO.read(second).compositedRGB())
        guard a.width == b.width, a.height == b.height else {
            throw CommandFailure("\(first) is \(a.width)x\(a.height) but \(second) is \(b.width)x\(b.height): sizes must match")
        }
        guard a.width * a.height <= maxPixels else {
            throw CommandFailure("\(first): \(a.width)x\(a.height) (\(a.width * a.height) pixels) is over the \(maxPixels) pixels orbit compare "
                                 + "measures (LPIPS needs about 6 GB per megapixel); resize both images or raise --max-pixels")
        }
        let (ta, tb) = (a.tensor(), b.tensor())
        let psnr = ImageMetrics.psnr(ta, tb)
        // Metrics whose windows do not fit small images are left out (null), not computed on nothing.
        let side = min(a.width, a.height)
        let ssim = side >= ImageMetrics.scikitSSIMMinimumSide ? noGrad { ImageMetrics.scikitSSIM(ta, tb) }.item() : nil
        let lpips = side >= LPIPS.minimumSide ? try LPIPS.Backbone.allCases.map { backbone -> Float in
            let model = try LPIPS.pretrained(backbone)
            return noGrad { model((ta * 2 - 1).unsqueezed(0), (tb * 2 - 1).unsqueezed(0)) }.item()
        } : nil
        let faces = try FaceAnalysis.pretrained()
        var identity: Float?
        if let fa = faces.analyse(a), let fb = faces.analyse(b) {
            let sface = try SFace.pretrained()
            let ea = FaceAnalysis.embedding(fa.aligned, model: sface), eb = FaceAnalysis.embedding(fb.aligned, model: sface)
            identity = 1 - identityDistance(ea, eb).item()
        }
        if json {
            func value(_ v: Float?) -> Any { v.map { $0 as Any } ?? NSNull() }
            let object: [String: Any] = ["psnr": psnr.isFinite ? psnr : "inf", "ssim": value(ssim), "lpips_alex": value(lpips?[0]),
                                         "lpips_vgg": value(lpips?[1]), "id": value(identity)]
            try printJSON(object)
            return
        }
        let ssimText = ssim.map { String(format: "SSIM %.5f", $0) } ?? "SSIM n/a (under \(ImageMetrics.scikitSSIMMinimumSide) px)"
        let lpipsText = lpips.map { String(format: "LPIPS alex %.5f  vgg %.5f", $0[0], $0[1]) } ?? "LPIPS n/a (under \(LPIPS.minimumSide) px)"
        print(String(format: "PSNR %.3f dB  ", psnr) + ssimText + "  " + lpipsText)
        print(identity.map { String(format: "identity (SFace cosine) %.4f", $0) } ?? "identity: no face in one of the images")
    }
}
