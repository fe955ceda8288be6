import Imaging
import Tensor
import TestSupport
import XCTest

final class FaceAlignmentTests: XCTestCase {
    /// Against skimage.transform.SimilarityTransform.estimate (Tools/golden/make_align_fixtures.py).
    func testSimilarityMatchesScikitImage() throws {
        let fx = try Fixtures.file("align/align.safetensors")
        for k in 0..<4 {
            let l = try fx.tensor("case\(k).landmarks").toArray()
            let points = (0..<5).map { (l[2 * $0], l[2 * $0 + 1]) }
            let t = FaceAlignment.similarity(from: points, to: FaceAlignment.arcfaceTemplate)
            let m = try fx.tensor("case\(k).matrix").toArray()
            for (ours, theirs) in zip([t.a, t.b, t.tx, t.c, t.d, t.ty], m) {
                XCTAssertEqual(ours, theirs, accuracy: 1e-4 * max(1, abs(theirs)), "case \(k)")
            }
        }
    }

    func testExactTransformIsRecoveredAndCropIsDifferentiable() {
        let truth = AffineTransform(a: 0.8, b: -0.3, tx: 5, c: 0.3, d: 0.8, ty: -7)
        let source = FaceAlignment.arcfaceTemplate.map { truth.inverse.apply($0.0, $0.1) }
        let t = FaceAlignment.similarity(from: source, to: FaceAlignment.arcfaceTemplate)
        for (x, y) in zip([t.a, t.b, t.tx, t.c, t.d, t.ty], [truth.a, truth.b, truth.tx, truth.c, truth.d, truth.ty]) {
            XCTAssertEqual(x, y, accuracy: 1e-4)
        }
        let image = param([3, 40, 48], seed: 1)
        let landmarks: [(Float, Float)] = [(15, 16), (31, 15.5), (23, 22), (17, 29), (30, 28.5)]
        checkGradients([image], "aligned crop", samples: 12) {
            FaceAlignment.alignedCrop($0[0], landmarks: landmarks, size: 16).slice(axis: 1, 4..<12)
        }
    }
}
