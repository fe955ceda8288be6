import Imaging
import Tensor
import TestSupport
import XCTest

final class ResampleTests: XCTestCase {
    func testBilinearUsesHalfPixelCentres() {
        let img = Image(width: 2, height: 1, channels: 1, pixels: [0, 1])
        XCTAssertEqual(img.resized(width: 4, height: 1).pixels, [0, 0.25, 0.75, 1])
    }

    func testAreaDownscaleAveragesBlocks() {
        let img = Image(width: 4, height: 2, channels: 1, pixels: [1, 3, 5, 7, 1, 3, 5, 7])
        XCTAssertEqual(img.resized(width: 2, height: 1, filter: .area).pixels, [2, 6])
        // A non-integer factor keeps the mean of a ramp.
        let ramp = Image(width: 10, height: 1, channels: 1, pixels: (0..<10).map { Float($0) })
        let third = ramp.resized(width: 3, height: 1, filter: .area).pixels
        XCTAssertEqual(third.reduce(0, +) / 3, 4.5, accuracy: 1e-5)
    }

    func testCropAndComposite() {
        let img = Image(width: 3, height: 2, channels: 2, pixels: [0, 1, 0.2, 1, 0.4, 1, 0.6, 0.5, 0.8, 0, 1, 1])
        XCTAssertEqual(img.cropped(x: 1, y: 1, width: 2, height: 1).pixels, [0.8, 0, 1, 1])
        let rgb = img.compositedRGB(background: (1, 0, 0))
        XCTAssertEqual(rgb[1, 1, 0], 1)  // fully transparent: background
        XCTAssertEqual(rgb[1, 1, 1], 0)
        XCTAssertEqual(rgb[0, 1, 0], 0.8, accuracy: 1e-6)  // 0.6 * 0.5 + 1 * 0.5
    }
}
