import Foundation
import Geometry
import Imaging
import Splat
import XCTest

/// The visual hull of a sphere's silhouettes seen from two orbit rings: the carved volume holds the
/// sphere and not much more, and the initialisation's points lie on its surface with its colour.
final class VisualHullTests: XCTestCase {
    /// A red sphere of `radius` at the origin on a white background, as RGB and alpha, in `camera`.
    func sphereView(_ camera: Camera, radius: Float) -> DatasetView {
        let (w, h) = (camera.width, camera.height)
        var alpha = [Float](repeating: 0, count: w * h), pixels = [Float](repeating: 1, count: 3 * w * h)
        let centre = camera.centre
        for y in 0..<h { for x in 0..<w {
            // The pixel's ray in world space: camera coordinates (looking down +z) rotated back.
            let c = SIMD3((Float(x) + 0.5 - camera.cx) / camera.fx, (Float(y) + 0.5 - camera.cy) / camera.fy, 1)
            let r = camera.rotation
            var d = SIMD3(r[0] * c.x + r[3] * c.y + r[6] * c.z, r[1] * c.x + r[4] * c.y + r[7] * c.z, r[2] * c.x + r[5] * c.y + r[8] * c.z)
            d /= (d * d).sum().squareRoot()
            let along = -(centre * d).sum(), closest = centre + along * d
            guard along > 0, (closest * closest).sum() <= radius * radius else { continue }
            alpha[y * w + x] = 1
            (pixels[3 * (y * w + x)], pixels[3 * (y * w + x) + 1], pixels[3 * (y * w + x) + 2]) = (0.8, 0.1, 0.1)
        } }
        return DatasetView(name: "view", camera: camera, image: Image(width: w, height: h, channels: 3, pixels: pixels), alpha: alpha)
    }

    func testASphereIsCarvedFromItsSilhouettes() {
        let rig = OrbitRig.standard, radius: Float = 0.5
        let views = (OrbitView.ring(elevation: 0, count: 12) + OrbitView.ring(elevation: 40, count: 8) + OrbitView.ring(elevation: -40, count: 8))
            .map { sphereView(rig.camera($0, size: 64), radius: radius) }
        var hull = VisualHull()
        (hull.resolution, hull.tolerance) = (48, 0)
        let carving = hull.carve(views, centre: SIMD3(repeating: 0), radius: 1)
        let voxelVolume = carving.voxel * carving.voxel * carving.voxel
        let volume = Float(carving.inside.filter { $0 }.count) * voxelVolume, sphere = 4 / 3 * Float.pi * radius * radius * radius
        XCTAssertGreaterThan(volume, 0.9 * sphere, "the hull holds the sphere")
        XCTAssertLessThan(volume, 1.35 * sphere, "and not much more")
        XCTAssertFalse(carving.isInside(0, 0, 0), "a corner of the cube is carved away")

        let (points, spacing) = hull.surfacePoints(views, count: 500, seed: 1)
        XCTAssertEqual(points.count, 500)
        XCTAssertGreaterThan(spacing, 0)
        for p in points {
            let distance = (p.position * p.position).sum().squareRoot()
            XCTAssertEqual(distance, radius, accuracy: 0.12, "on the surface")
            XCTAssertEqual(p.colour.x, 0.8, accuracy: 1e-6, "the sphere's colour, not the background's")
        }
    }
}
