import Splat
import XCTest

final class PerceptualTermTests: XCTestCase {
    /// The term sees exactly its crop of both images and its weighted gradient lands back on the crop.
    func testCropIsEvaluatedAndItsGradientScatteredBack() {
        let (w, h) = (10, 7)
        let rendered = (0..<(w * h * 3)).map { Float($0) }, target = rendered.map { -$0 }
        var seen: ([Float], [Float], Int, Int)?
        let term = PerceptualTerm(weight: 0.5, crop: 4) { r, t, cw, ch in
            seen = (r, t, cw, ch)
            return (r.reduce(0, +), [Float](repeating: 1, count: r.count))
        }
        var gradient = [Float](repeating: 0, count: w * h * 3)
        let loss = term.apply(rendered: rendered, target: target, width: w, height: h, x0: 3, y0: 2, into: &gradient)
        XCTAssertEqual(seen?.2, 4)
        XCTAssertEqual(seen?.3, 4)
        XCTAssertEqual(seen?.0.first, rendered[(2 * w + 3) * 3])
        XCTAssertEqual(seen?.1.last, target[(5 * w + 6) * 3 + 2])
        XCTAssertEqual(loss, 0.5 * seen!.0.reduce(0, +))
        for y in 0..<h {
            for x in 0..<w {
                let inside = (3..<7).contains(x) && (2..<6).contains(y)
                XCTAssertEqual(gradient[(y * w + x) * 3 + 1], inside ? 0.5 : 0, "(\(x), \(y))")
            }
        }
    }
}
