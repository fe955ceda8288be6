import Imaging
import XCTest

final class BackgroundMaskTests: XCTestCase {
    /// A grey backdrop around a dark disc with a grey hole inside it: the backdrop is background, the
    /// disc is not, and the hole (same colour, but not connected to the border) is kept.
    func testFloodFillTakesOnlyTheBorderConnectedBackdrop() {
        var image = Image(width: 40, height: 30, channels: 3, filling: 0.8)
        for y in 0..<30 {
            for x in 0..<40 {
                let d = ((Float(x) - 20) * (Float(x) - 20) + (Float(y) - 15) * (Float(y) - 15)).squareRoot()
                let value: Float = d < 10 && d >= 3 ? 0.2 : 0.8 + 0.03 * Float((x + y) % 2)  // noisy backdrop
                for c in 0..<3 { image[x, y, c] = value }
            }
        }
        let mask = BackgroundMask(of: image)
        XCTAssertEqual(mask.borderAgreement, 1)
        XCTAssertTrue(mask.isBackground[0] && mask.isBackground[29 * 40 + 39])
        XCTAssertFalse(mask.isBackground[15 * 40 + 20 + 6], "the disc")
        XCTAssertFalse(mask.isBackground[15 * 40 + 20], "the hole inside the disc is not connected to the border")
        let white = mask.filled()
        XCTAssertEqual(white[0, 0, 1], 1)
        XCTAssertEqual(white[26, 15, 1], 0.2, accuracy: 1e-6)
        let rgba = mask.withAlpha()
        XCTAssertEqual(rgba[0, 0, 3], 0)
        XCTAssertEqual(rgba[20, 15, 3], 1)
    }

    func testBusyBorderReportsLowAgreement() {
        var image = Image(width: 20, height: 20, channels: 3)
        for i in 0..<image.pixels.count { image.pixels[i] = Float((i * 7919) % 101) / 100 }
        XCTAssertLessThan(BackgroundMask(of: image).borderAgreement, 0.5)
    }
}
