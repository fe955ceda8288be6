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

    /// In a run with a low-resolution share, the term is left out of steps on views smaller than its
    /// minimum side and runs on every full-size step (it crashed on 1/4-size views before).
    func testTermSkipsViewsSmallerThanItAccepts() {
        let views = SplatTrainerTests.views(of: SplatTrainerTests.groundTruth(), count: 6, size: 32)
        var config = TrainingConfig()
        (config.iterations, config.initialGaussians, config.shDegree, config.lowResolutionShare) = (40, 200, 0, 0.5)
        let trainer = SplatTrainer(views: views, config: config)
        var sizes: [Int] = []
        trainer.perceptual = PerceptualTerm(weight: 0.1, crop: 0, minimumSide: 20) { r, _, w, h in
            sizes.append(w * 100 + h)
            return (0, [Float](repeating: 0, count: r.count))
        }
        for _ in 0..<40 { trainer.trainStep() }
        XCTAssertEqual(sizes, [Int](repeating: 3232, count: 20), "steps 0-9 are at 8 px, 10-19 at 16 px, 20-39 at 32 px")
    }
}
