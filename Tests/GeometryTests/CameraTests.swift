import Geometry
import XCTest

final class CameraTests: XCTestCase {
    /// An OpenGL camera-to-world pose (nerfstudio) on +z looking at the origin: the origin projects to
    /// the principal point, a point above it to a smaller row, a point on +x to a larger column.
    func testOpenGLPoseBecomesAnOpenCVCamera() {
        let c2w: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 0, 1]]
        let camera = Camera(width: 64, height: 48, fx: 50, fy: 50, cx: 32, cy: 24, cameraToWorldOpenGL: c2w)
        let origin = camera.project(.zero)
        XCTAssertEqual(origin.x, 32, accuracy: 1e-5)
        XCTAssertEqual(origin.y, 24, accuracy: 1e-5)
        XCTAssertEqual(origin.depth, 3, accuracy: 1e-5)
        XCTAssertLessThan(camera.project(SIMD3(0, 0.5, 0)).y, 24)
        XCTAssertGreaterThan(camera.project(SIMD3(0.5, 0, 0)).x, 32)
        XCTAssertEqual(camera.centre.z, 3, accuracy: 1e-5)
        let half = camera.downscaled(by: 2)
        XCTAssertEqual([half.width, half.height], [32, 24])
        XCTAssertEqual(half.project(SIMD3(0.5, 0, 0)).x * 2, camera.project(SIMD3(0.5, 0, 0)).x, accuracy: 1e-4)
    }
}
