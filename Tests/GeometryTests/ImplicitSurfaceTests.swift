import Foundation
import Geometry
import Tensor
import TestSupport
import XCTest

/// Marching tetrahedra and mesh distances on shapes whose answers are known.
final class ImplicitSurfaceTests: XCTestCase {
    /// A sphere of radius 0.8 sampled every 0.05.
    func sphere() -> (positions: [Float], normals: [Float], triangles: [Int32]) {
        let grid = ScalarGrid(lower: SIMD3(repeating: -1), upper: SIMD3(repeating: 1), spacing: 0.05) { ($0 * $0).sum().squareRoot() - 0.8 }
        return MarchingTetrahedra.surface(of: grid)
    }

    func point(_ a: [Float], _ i: Int) -> SIMD3<Float> { SIMD3(a[3 * i], a[3 * i + 1], a[3 * i + 2]) }

    func testSphereIsClosedOnTheLevelSetAndWoundOutwards() {
        let s = sphere()
        XCTAssertTrue(Mesh.isWatertight(triangles: s.triangles), "every edge shared by two triangles, once each way")
        var volume: Float = 0
        for i in 0..<(s.positions.count / 3) {
            let p = point(s.positions, i), r = (p * p).sum().squareRoot()
            XCTAssertEqual(r, 0.8, accuracy: 0.004, "vertices lie on the sphere (linear interpolation along short edges)")
            XCTAssertGreaterThan((point(s.normals, i) * p).sum() / r, 0.99, "the gradient normal points out")
        }
        for t in stride(from: 0, to: s.triangles.count, by: 3) {
            let (a, b, c) = (point(s.positions, Int(s.triangles[t])), point(s.positions, Int(s.triangles[t + 1])), point(s.positions, Int(s.triangles[t + 2])))
            // Signed volume of the tetrahedron (origin, a, b, c): positive sum only for outward winding.
            volume += (a.x * (b.y * c.z - b.z * c.y) - a.y * (b.x * c.z - b.z * c.x) + a.z * (b.x * c.y - b.y * c.x)) / 6
        }
        let ball: Float = 4 / 3 * Float.pi * 0.512
        XCTAssertEqual(volume, ball, accuracy: 0.01 * ball)
    }

    /// The BVH's distance equals a brute-force distance over every triangle (an independent point-to-
    /// triangle computation in TestSupport), and the pseudo-normal sign says inside exactly for |p| < 0.8.
    func testSignedDistanceMatchesBruteForceAndTheSphere() {
        let s = sphere()
        let distance = MeshDistance(positions: s.positions, triangles: s.triangles)
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<60 {
            let p = SIMD3(rng.nextUniform(), rng.nextUniform(), rng.nextUniform()) * 2.4 - 1.2
            let brute = BruteForce.meshDistance(p, positions: s.positions, triangles: s.triangles)
            let signed = distance.signedDistance(to: p), r = (p * p).sum().squareRoot()
            XCTAssertEqual(abs(signed), brute, accuracy: 1e-5)
            if abs(r - 0.8) > 0.01 { XCTAssertEqual(signed < 0, r < 0.8, "sign at radius \(r)") }
            XCTAssertEqual(signed, r - 0.8, accuracy: 0.005)
        }
    }

    func testGridInterpolationIsExactForLinearFields() {
        let grid = ScalarGrid(lower: SIMD3(-1, 0, 2), upper: SIMD3(1, 1, 3), spacing: 0.25) { 2 * $0.x - $0.y + 0.5 * $0.z }
        for p in [SIMD3<Float>(0.13, 0.71, 2.4), SIMD3(-0.9, 0.05, 2.95), SIMD3(0.5, 0.5, 2.5)] {
            XCTAssertEqual(grid.interpolate(p), 2 * p.x - p.y + 0.5 * p.z, accuracy: 1e-5)
        }
    }

    /// The PLY writer's header counts and the binary body's size agree.
    func testMeshPLYLayout() throws {
        let data = MeshPLY.encode(positions: [0, 0, 0, 1, 0, 0, 0, 1, 0], normals: [0, 0, 1, 0, 0, 1, 0, 0, 1], colours: [1, 0, 0, 0, 1, 0, 0, 0, 1],
                                  triangles: [0, 1, 2])
        let end = try XCTUnwrap(data.range(of: Data("end_header\n".utf8))).upperBound
        let header = String(decoding: data[..<end], as: UTF8.self)
        XCTAssertTrue(header.contains("element vertex 3\n") && header.contains("element face 1\n"))
        XCTAssertEqual(data.count - end, 3 * (6 * 4 + 3) + (1 + 3 * 4))
        XCTAssertEqual(data[end + 24], 255, "the first vertex is red")
        // Counts that overflowed the body size (a trap) or were negative are named errors.
        let text = String(decoding: data, as: UTF8.self)
        for (from, to, problem) in [("element vertex 3", "element vertex 400000000000000000", "94 bytes of data for 400000000000000000 vertices"),
                                    ("element vertex 3", "element vertex -13", "'element vertex -13': the count is not a whole number >= 0"),
                                    ("element face 1", "element face ", "'element face ': the count is not a whole number")] {
            var crafted = Data(text.prefix(end).replacingOccurrences(of: from, with: to).utf8)
            crafted.append(data[end...])
            XCTAssertThrowsError(try MeshPLY.decode(crafted, file: "m.ply")) { XCTAssertTrue("\($0)".contains("m.ply: " + problem), "\($0)") }
        }
    }
}
