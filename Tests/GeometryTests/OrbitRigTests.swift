import Geometry
import XCTest

final class OrbitRigTests: XCTestCase {
    let rig = OrbitRig.standard

    func testStandardGridIsSixRingsOfSixteenRingByRing() {
        let views = OrbitView.standard
        XCTAssertEqual(views.count, 96)
        XCTAssertEqual(Set(views.map(\.elevation)), [-10, 0, 10, 20, 30, 40])
        XCTAssertEqual(views[17], OrbitView(elevation: 0, azimuth: 22.5))
        XCTAssertEqual(views[95], OrbitView(elevation: 40, azimuth: 337.5))
    }

    /// Every camera sits at the rig distance, looks at the origin down its -z axis, has a right-handed
    /// orthonormal frame and keeps the world's up direction up in the image.
    func testCamerasLookAtTheHeadWithAnUprightFrame() {
        for view in OrbitView.standard + [OrbitView(elevation: 90, azimuth: 0), OrbitView(elevation: -90, azimuth: 45)] {
            let m = rig.cameraToWorld(view)
            let col = { (j: Int) in SIMD3<Float>(m[0][j], m[1][j], m[2][j]) }
            let (x, y, z, p) = (col(0), col(1), col(2), col(3))
            XCTAssertEqual((p * p).sum().squareRoot(), rig.distance, accuracy: 1e-4)
            for (a, b, want) in [(x, x, 1), (y, y, 1), (z, z, 1), (x, y, 0), (y, z, 0), (x, z, 0)] as [(SIMD3<Float>, SIMD3<Float>, Float)] {
                XCTAssertEqual((a * b).sum(), want, accuracy: 1e-5, "\(view)")
            }
            let cross = SIMD3(x.y * y.z - x.z * y.y, x.z * y.x - x.x * y.z, x.x * y.y - x.y * y.x)
            XCTAssertEqual(((cross - z) * (cross - z)).sum(), 0, accuracy: 1e-8, "right-handed")
            // Looking down -z reaches the origin.
            let hit = p - z * rig.distance
            XCTAssertEqual((hit * hit).sum(), 0, accuracy: 1e-6, "\(view)")
            if abs(view.elevation) < 90 { XCTAssertGreaterThan(y.y, 0, "up stays up") }
        }
        // Azimuth 0 faces the face (+z); 90 degrees is on +x.
        XCTAssertEqual(rig.position(OrbitView(elevation: 0, azimuth: 0)).z, rig.distance, accuracy: 1e-6)
        XCTAssertEqual(rig.position(OrbitView(elevation: 0, azimuth: 90)).x, rig.distance, accuracy: 1e-5)
    }

    /// transforms.json's intrinsics and poses project the origin to the image centre and a point above
    /// the head above it (OpenCV pixel rows grow downwards).
    func testTransformsProjectTheHeadToTheImageCentre() {
        let t = ViewsFolder.transforms(views: [OrbitView(elevation: 20, azimuth: 45)], rig: rig, size: 64)
        let frame = t.frames[0]
        let m = frame.transformMatrix!.map { $0.map(Float.init) }
        let (f, c) = (Float(t.intrinsics.flX!), Float(t.intrinsics.cx!))
        func project(_ w: SIMD3<Float>) -> (Float, Float) {
            let d = w - SIMD3(m[0][3], m[1][3], m[2][3])
            let cam = SIMD3((0..<3).map { i in m[0][i] * d.x + m[1][i] * d.y + m[2][i] * d.z })  // R^T d, OpenGL camera
            return (c + f * cam.x / -cam.z, c - f * cam.y / -cam.z)
        }
        let centre = project(.zero)
        XCTAssertEqual(centre.0, 32, accuracy: 1e-3)
        XCTAssertEqual(centre.1, 32, accuracy: 1e-3)
        XCTAssertLessThan(project(SIMD3(0, 0.5, 0)).1, 32 - 5)
        // The field of view: a point at the edge of the frustum lands on the image border.
        XCTAssertEqual(f, 32 / tan(18 * Float.pi / 180), accuracy: 1e-3)
        XCTAssertEqual(frame.azimuthDegrees, 45)
        XCTAssertEqual(frame.filePath, "000.png")
    }
}
