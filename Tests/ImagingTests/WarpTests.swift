import Imaging
import Tensor
import TestSupport
import XCTest

final class WarpTests: XCTestCase {
    func testIdentityAndIntegerTranslation() {
        let x = Tensor.normal([2, 5, 6], seed: 1)
        assertClose(x.affineWarp(.identity, outWidth: 6, outHeight: 5), x, rtol: 0, atol: 0)
        let shifted = x.affineWarp(AffineTransform(a: 1, b: 0, tx: 2, c: 0, d: 1, ty: 1), outWidth: 6, outHeight: 5, border: -7)
        XCTAssertEqual(shifted.toArray()[0], -7)                                      // came from outside
        XCTAssertEqual(shifted.toArray()[1 * 6 + 2], x.toArray()[0], accuracy: 1e-6)   // (0,0) moved to (2,1)
    }

    func testInverseAndSimilarity() {
        let angle: Float = 0.3, s: Float = 1.7
        let t = AffineTransform(a: s * cos(angle), b: -s * sin(angle), tx: 4, c: s * sin(angle), d: s * cos(angle), ty: -2)
        let (x, y) = t.apply(3, 5)
        let (bx, by) = t.inverse.apply(x, y)
        XCTAssertEqual(bx, 3, accuracy: 1e-5)
        XCTAssertEqual(by, 5, accuracy: 1e-5)
    }

    func testWarpGradientWithRespectToTheImage() {
        let x = param([2, 6, 7], seed: 2)
        let t = AffineTransform(a: 0.9, b: 0.2, tx: 0.7, c: -0.15, d: 1.1, ty: 0.3)
        checkGradients([x], "affine warp") { $0[0].affineWarp(t, outWidth: 5, outHeight: 6, border: 0.5) }
    }
}
