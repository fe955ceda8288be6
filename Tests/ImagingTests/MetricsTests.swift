import Imaging
import Tensor
import TestSupport
import XCTest

final class MetricsTests: XCTestCase {
    /// Against scikit-image 0.26 (Tools/golden/make_metrics_fixtures.py).
    func testSSIMAndPSNRMatchScikitImage() throws {
        let fx = try Fixtures.file("metrics/metrics.safetensors")
        for name in ["noise_small", "noise_large", "gray"] {
            let x = try fx.tensor("\(name).x"), y = try fx.tensor("\(name).y")
            let ssim = ImageMetrics.scikitSSIM(x, y).item(), expected = try fx.tensor("\(name).ssim").item()
            XCTAssertEqual(ssim, expected, accuracy: 1e-5 * max(1, abs(expected)), "\(name) SSIM")
            XCTAssertEqual(ImageMetrics.psnr(x, y), Double(try fx.tensor("\(name).psnr").item()), accuracy: 1e-4, "\(name) PSNR")
        }
    }

    func testSSIMProperties() {
        let x = Tensor.uniform([3, 20, 24], seed: 1), y = Tensor.uniform([3, 20, 24], seed: 2)
        XCTAssertEqual(ImageMetrics.scikitSSIM(x, x).item(), 1, accuracy: 1e-6)
        XCTAssertEqual(ImageMetrics.scikitSSIM(x, y).item(), ImageMetrics.scikitSSIM(y, x).item(), accuracy: 1e-7, "symmetric")
        XCTAssertLessThan(ImageMetrics.scikitSSIM(x, y).item(), 0.2, "independent noise is dissimilar")
        XCTAssertEqual(ImageMetrics.psnr(x, x), .infinity)
        XCTAssertEqual(ImageMetrics.psnr(Tensor(zeros: [4]), Tensor(filling: 0.1, shape: [4])), 20, accuracy: 1e-5)
        let batch = Tensor.concat([x.unsqueezed(0), y.unsqueezed(0)], axis: 0)
        XCTAssertEqual(ImageMetrics.scikitSSIM(batch, batch).item(), 1, accuracy: 1e-6)
    }

    func testSSIMGradient() {
        let x = Tensor.uniform([1, 14, 13], seed: 3).requiringGrad()
        let y = Tensor.uniform([1, 14, 13], seed: 4).requiringGrad()
        checkGradients([x, y], "ssim", eps: 1e-3) { ImageMetrics.scikitSSIM($0[0], $0[1]) }
    }

    func testGaussianTapsAreScipysWindow() {
        let taps = ImageMetrics.gaussianTaps()
        XCTAssertEqual(taps.count, 11)
        XCTAssertEqual(taps.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(taps[5], 0.26608, accuracy: 1e-4)
        XCTAssertEqual(taps[0], taps[10])
    }
}
