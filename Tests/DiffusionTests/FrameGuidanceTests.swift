import Diffusion
import Tensor
import TestSupport
import XCTest

final class FrameGuidanceTests: XCTestCase {
    func testSchedules() {
        XCTAssertEqual(FrameGuidance.linear(frames: 5, min: 1, max: 3), [1, 1.5, 2, 2.5, 3])
        // SV3D's triangle: low at both ends of the orbit (near the input view), max opposite it.
        let t = FrameGuidance.triangle(frames: 5, min: 1, max: 2.5)
        for (a, b) in zip(t, [1, 1.75, 2.5, 1.75, 1] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let half = FrameGuidance.triangle(frames: 5, min: 0, max: 1, period: 0.5)
        for (a, b) in zip(half, [0, 1, 0, 1, 0] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testCombineAppliesOneScalePerFrame() {
        let u = Tensor(zeros: [1, 3, 2]), c = Tensor(filling: 1, shape: [1, 3, 2])
        let g = FrameGuidance.combine(uncond: u, cond: c, scales: [1, 2, 3], frameAxis: 1)
        XCTAssertEqual(g.toArray(), [1, 1, 2, 2, 3, 3])
    }
}
