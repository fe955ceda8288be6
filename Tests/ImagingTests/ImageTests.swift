import Imaging
import Tensor
import TestSupport
import XCTest

final class ImageTests: XCTestCase {
    func testTensorRoundTripIsCHW() {
        let img = Image(width: 3, height: 2, channels: 2, pixels: (0..<12).map { Float($0) / 12 })
        let t = img.tensor()
        XCTAssertEqual(t.shape, [2, 2, 3])
        XCTAssertEqual(t.toArray()[0...2].map { $0 * 12 }, [0, 2, 4], "channel 0 of row 0")
        XCTAssertEqual(Image(tensor: t), img)
    }

    func testQuantisationRoundsAndClamps() {
        let img = Image(width: 4, height: 1, channels: 1, pixels: [-0.5, 0.5 / 255, 0.6, 1.5])
        XCTAssertEqual(img.bytes8(), [0, 1, 153, 255])
        XCTAssertEqual(img.words16(), [0, 129, 39321, 65535])
    }

    func testEXIFOrientationsMatchTheirGeometry() {
        // 2x1 image [a, b]: orientation 6 (rotate 90 clockwise) gives a 1x2 column [a; b] read top-down.
        let img = Image(width: 2, height: 1, channels: 1, pixels: [0.1, 0.2])
        XCTAssertEqual(img.oriented(6).pixels, [0.1, 0.2])
        XCTAssertEqual(img.oriented(8).pixels, [0.2, 0.1])
        XCTAssertEqual(img.oriented(2).pixels, [0.2, 0.1])
        XCTAssertEqual(img.oriented(1), img)
        let square = Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
        XCTAssertEqual(square.oriented(3).pixels, [4, 3, 2, 1])
        XCTAssertEqual(square.oriented(5).pixels, [1, 3, 2, 4])
        XCTAssertEqual(square.oriented(7).pixels, [4, 2, 3, 1])
    }
}
