import Imaging
import XCTest

final class DrawTests: XCTestCase {
    func testRectangleOutlineAndDot() {
        var img = Image(width: 10, height: 8, channels: 3)
        img.drawRectangle(x: 2, y: 1, width: 5, height: 4, color: (1, 0, 0), thickness: 1)
        XCTAssertEqual(img[2, 1, 0], 1)   // corner
        XCTAssertEqual(img[7, 5, 0], 1)   // opposite corner
        XCTAssertEqual(img[4, 3, 0], 0)   // inside stays untouched
        img.drawDot(x: 0, y: 0, radius: 1, color: (0, 1, 0))  // clipped at the border without trapping
        XCTAssertEqual(img[1, 1, 1], 1)
        XCTAssertEqual(img[2, 2, 1], 0)
    }
}
