import Imaging
import Splat
import Tensor
import TestSupport
import XCTest

final class PhotometricLossTests: XCTestCase {
    /// The fused SSIM kernel equals the INRIA training SSIM in torch (value and autograd gradient).
    func testSSIMMatchesTheTorchReference() throws {
        let f = try Fixtures.file("splat/ssim.safetensors")
        let (x, y) = (try f.tensor("x").toArray(), try f.tensor("y").toArray())
        let (value, dx) = PhotometricLoss.inriaSSIM(x, y, width: 31, height: 23, scale: 1 / Float(x.count))
        XCTAssertEqual(value, try f.tensor("ssim").toArray()[0], accuracy: 1e-5)
        let expected = try f.tensor("dx").toArray()
        let worst = zip(dx, expected).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-6 + 1e-4 * expected.map { abs($0) }.max()!)
    }

    /// One image pair, two SSIMs (Tools/golden/make_two_ssims_fixture.py): scikit-image's (what
    /// `orbit compare` reports) and the INRIA 3DGS one (what `splat eval` reports) each match their
    /// reference, and they differ by far more than either's error.
    func testTheTwoSSIMsDifferOnOnePairAndEachMatchesItsReference() throws {
        let f = try Fixtures.file("metrics/two_ssims.safetensors")
        let (x, y) = (try f.tensor("x"), try f.tensor("y"))
        let (h, w) = (x.shape[1], x.shape[2])
        let scikit = ImageMetrics.scikitSSIM(x, y).item(), inria = PhotometricLoss.inriaSSIM(x.toArray(), y.toArray(), width: w, height: h, scale: 0).0
        XCTAssertEqual(scikit, try f.tensor("scikit").item(), accuracy: 1e-5)
        XCTAssertEqual(inria, try f.tensor("inria").item(), accuracy: 1e-5)
        XCTAssertGreaterThan(abs(inria - scikit), 0.03)
    }

    /// SSIM by bands of rows (three bands a plane at 300 rows) against the same images transposed
    /// (24 rows: one band): the zero-padded separable window is symmetric, so value and gradient
    /// must agree, which they do only if every band's halo rows are right.
    func testSSIMBandsMatchTheTransposedImage() {
        let (w, h) = (24, 300), n = w * h
        XCTAssertGreaterThan(h, 2 * PhotometricLoss.ssimBandRows)
        // Smooth images (a product of waves plus a little noise): well-conditioned moments.
        let noise = Tensor.uniform([6 * n], low: 0, high: 0.05, seed: 4).toArray()
        let x = (0..<(3 * n)).map { i in 0.5 + 0.4 * sin(Float(i % w) * 0.4 + Float(i / n)) * cos(Float(i / w % h) * 0.1) + noise[i] }
        let y = (0..<(3 * n)).map { i in 0.8 * x[i] + 0.1 + noise[3 * n + i] }
        func transposed(_ a: [Float]) -> [Float] {
            var out = a
            for c in 0..<3 { for r in 0..<h { for col in 0..<w { out[c * n + col * h + r] = a[c * n + r * w + col] } } }
            return out
        }
        let (value, dx) = PhotometricLoss.inriaSSIM(x, y, width: w, height: h, scale: 1)
        let (valueT, dxT) = PhotometricLoss.inriaSSIM(transposed(x), transposed(y), width: h, height: w, scale: 1)
        XCTAssertEqual(value, valueT, accuracy: 1e-6)
        // dxT is [3, W, H]. The two blur orders round apart by ~2e-5 of the gradient's scale; the
        // outermost halo row alone carries a weight of 1e-3.
        let scale = dx.map { abs($0) }.max()!
        var worst: Float = 0
        for c in 0..<3 { for r in 0..<h { for col in 0..<w {
            worst = max(worst, abs(dx[c * n + r * w + col] - dxT[c * n + col * h + r]))
        } } }
        XCTAssertLessThan(worst, 1e-4 * scale)
    }

    /// The combined loss's gradient (L1 or MSE plus SSIM) against central differences.
    func testLossGradientMatchesFiniteDifferences() {
        let (w, h) = (13, 9)
        var rendered = Tensor.uniform([3 * w * h], low: 0, high: 1, seed: 1).toArray()
        let target = Tensor.uniform([3 * w * h], low: 0, high: 1, seed: 2).toArray()
        // With no mask, and with the alpha mask: weights in [0, 1], a third of them 0.
        let alpha = Tensor.uniform([w * h], low: -0.5, high: 1, seed: 3).toArray().map { max(0, $0) }
        for (term, mask) in [(PhotometricLoss.PixelTerm.l1, nil), (.mse, nil), (.l1, alpha), (.mse, alpha)] as [(PhotometricLoss.PixelTerm, [Float]?)] {
            let loss = PhotometricLoss(pixelTerm: term, ssimWeight: 0.2)
            let g = loss.evaluate(rendered: rendered, target: target, width: w, height: h, mask: mask).gradient
            for i in stride(from: 0, to: rendered.count, by: 7) where Swift.abs(rendered[i] - target[i]) > 0.01 {  // off L1's kink
                let keep = rendered[i], eps: Float = 5e-3
                rendered[i] = keep + eps
                let lp = loss.evaluate(rendered: rendered, target: target, width: w, height: h, mask: mask).loss
                rendered[i] = keep - eps
                let lm = loss.evaluate(rendered: rendered, target: target, width: w, height: h, mask: mask).loss
                rendered[i] = keep
                XCTAssertEqual(g[i], (lp - lm) / (2 * eps), accuracy: 3e-5, "\(term) mask \(mask != nil) [\(i)]")
            }
        }
        // A mask of ones is no mask; a masked-out pixel's own colour does not enter the pixel term.
        let plain = PhotometricLoss().evaluate(rendered: rendered, target: target, width: w, height: h)
        let ones = PhotometricLoss().evaluate(rendered: rendered, target: target, width: w, height: h, mask: [Float](repeating: 1, count: w * h))
        XCTAssertEqual(plain.loss, ones.loss, accuracy: 1e-6)
        let pixelOnly = PhotometricLoss(pixelTerm: .l1, ssimWeight: 0)
        let zero = alpha.firstIndex(of: 0)!
        var moved = rendered
        moved[3 * zero] += 0.3
        XCTAssertEqual(pixelOnly.evaluate(rendered: rendered, target: target, width: w, height: h, mask: alpha).loss,
                       pixelOnly.evaluate(rendered: moved, target: target, width: w, height: h, mask: alpha).loss)
        let same = PhotometricLoss().evaluate(rendered: target, target: target, width: w, height: h)
        XCTAssertEqual(same.loss, 0, accuracy: 1e-6)
        XCTAssertEqual(same.ssim, 1, accuracy: 1e-6)
    }
}
